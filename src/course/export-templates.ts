/**
 * The CI files of an exported learner repository. Each platform runs the same verify core through the
 * published CLI; the texts are generated so the pinned Shipshape version and the challenge ids are filled in.
 */

export interface TemplateInput {
  /** npm version of Shipshape the repository installs (the exporting version). */
  version: string;
  /** The composite action (`owner/repo@ref`) the GitHub workflow uses. */
  action: string;
  /** Workspace directories (relative, POSIX), one per challenge: `.` for a one-challenge repository. */
  workspaces: Array<{ dir: string; challenge: string; title: string }>;
  /** Some challenge builds with BuildKit or grades a compose stack: the docker CLI (and Compose) must be installed too. */
  needsDockerCli?: boolean;
  /** `course:add` sources of the courses the challenges come from (none for the built-in course). */
  courses?: string[];
}

/** A word for a POSIX shell, always single-quoted (course sources carry `#` and `@`). */
const quoted = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
const courseAdds = (input: TemplateInput) => (input.courses ?? []).map((source) => `shipshape course:add ${quoted(source)}`);

/** The shell line every platform runs (GitHub through the action): one verify, several reports. Words come quoted as needed. */
export function verifyCommand(dir: string, reports: string[]): string {
  return `shipshape challenge:verify --dir ${dir} --plain ${reports.map((report) => `--format ${report}`).join(' ')}`;
}

const slug = (dir: string) => (dir === '.' ? 'root' : dir.replace(/[^A-Za-z0-9_-]/g, '-'));

export function githubWorkflow(input: TemplateInput): string {
  const matrix = input.workspaces.length > 1;
  const dirs = input.workspaces.map((workspace) => workspace.dir);
  return [
    '# Grades this repository with Shipshape on every push: job summary, annotations on the',
    '# Dockerfile lines, and the same findings in code scanning (SARIF).',
    'name: Shipshape',
    'on:',
    '  push:',
    '  pull_request:',
    '  workflow_dispatch:',
    'permissions:',
    '  contents: read',
    '  security-events: write',
    'jobs:',
    '  verify:',
    `    name: ${matrix ? 'verify ${{ matrix.workspace }}' : 'verify'}`,
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 30',
    ...(matrix
      ? ['    strategy:', '      fail-fast: false', '      matrix:', `        workspace: [${dirs.map((dir) => JSON.stringify(dir)).join(', ')}]`]
      : []),
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - id: shipshape',
    `        uses: ${input.action}`,
    '        with:',
    `          directory: ${matrix ? '${{ matrix.workspace }}' : '.'}`,
    `          version: ${JSON.stringify(input.version)}`,
    ...((input.courses ?? []).length > 0 ? ['          courses: |', ...(input.courses ?? []).map((source) => `            ${source}`)] : []),
    '      - name: Upload the findings to code scanning',
    "        if: always() && steps.shipshape.outputs.sarif != ''",
    '        uses: github/codeql-action/upload-sarif@v3',
    '        with:',
    '          sarif_file: ${{ steps.shipshape.outputs.sarif }}',
    `          category: ${matrix ? 'shipshape-${{ matrix.workspace }}' : 'shipshape'}`,
    '',
  ].join('\n');
}

export function gitlabCi(input: TemplateInput): string {
  const jobs = input.workspaces.flatMap((workspace) => [
    `shipshape-${slug(workspace.dir)}:`,
    '  extends: .shipshape',
    '  variables:',
    `    WORKSPACE: ${JSON.stringify(workspace.dir)}`,
    `    REPORT: ${JSON.stringify(`shipshape-${slug(workspace.dir)}-junit.xml`)}`,
    '  artifacts:',
    '    when: always',
    '    paths:',
    `      - shipshape-${slug(workspace.dir)}-junit.xml`,
    '    reports:',
    `      junit: shipshape-${slug(workspace.dir)}-junit.xml`,
    '',
  ]);
  return [
    '# Grades this repository with Shipshape on every push; the checks show in the pipeline\'s',
    '# Tests tab (JUnit report). The job needs a Docker engine: the docker:dind service below.',
    '.shipshape:',
    '  image: node:20-bookworm',
    '  services:',
    '    - name: docker:27-dind',
    '      alias: docker',
    '  variables:',
    '    DOCKER_HOST: tcp://docker:2375',
    '    DOCKER_TLS_CERTDIR: ""',
    '  script:',
    // BuildKit builds and compose stacks go through the docker CLI; everything else talks to the engine's API.
    ...(input.needsDockerCli ? ['    - apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io docker-compose >/dev/null'] : []),
    `    - npm install --global --no-audit --no-fund shipshape@${input.version}`,
    ...courseAdds(input).map((line) => `    - ${JSON.stringify(line)}`),
    `    - ${verifyCommand('"$WORKSPACE"', ['"junit=$REPORT"'])}`,
    '',
    ...jobs,
  ].join('\n');
}

export function classroom50Autograder(input: TemplateInput): string {
  const dirs = JSON.stringify(input.workspaces.map((workspace) => workspace.dir));
  return `#!/usr/bin/env python3
"""Classroom 50 autograder for ${input.workspaces.map((workspace) => workspace.challenge).join(', ')}.

Put this file at <classroom>/autograders/<assignment>/autograder.py in the classroom's config
repository, and give the assignment a runtime with Node and Docker, e.g. {"runs-on": "ubuntu-latest",
"node": "20"}. The runner starts it in the student's checkout; it writes ./result.json
(schema classroom50/result/v1) from \`shipshape challenge:verify --format classroom50\` and exits 0
when grading ran (pass or fail is in result.json), non-zero when it could not grade at all.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

VERSION = ${JSON.stringify(input.version)}
WORKSPACES = ${dirs}
# Courses the challenges come from, installed (pinned) before grading; none for the built-in course.
COURSES = ${JSON.stringify(input.courses ?? [])}
SHIPSHAPE = os.environ.get("SHIPSHAPE_BIN", "").split() or ["npx", "--yes", f"shipshape@{VERSION}"]


def verify(directory: str, output: Path) -> int:
    command = [*SHIPSHAPE, "challenge:verify", "--dir", directory, "--plain", "--format", f"classroom50={output}"]
    return subprocess.run(command, check=False).returncode


def main() -> int:
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        # Courses go into a data directory of this run only.
        os.environ["SHIPSHAPE_DATA_DIR"] = str(Path(scratch) / "data")
        for source in COURSES:
            if subprocess.run([*SHIPSHAPE, "course:add", source], check=False).returncode != 0:
                print(f"::error::shipshape could not install the course {source}", file=sys.stderr)
                return 1
        for index, directory in enumerate(WORKSPACES):
            output = Path(scratch) / f"result-{index}.json"
            code = verify(directory, output)
            # 0 passed, 1 not yet: both are grades. Anything else (no engine, bad input) is not.
            if code not in (0, 1) or not output.is_file():
                print(f"::error::shipshape could not grade {directory} (exit {code})", file=sys.stderr)
                return 1
            results.append(json.loads(output.read_text()))
    result = results[0]
    for other in results[1:]:
        result["tests"].extend(other["tests"])
        result["score"] += other["score"]
        result["max-score"] += other["max-score"]
    Path("result.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
}

export function gradescopeSetup(input: TemplateInput): string {
  return `#!/usr/bin/env bash
# Gradescope autograder setup: Node 20, Shipshape ${input.version}, and a Docker engine to build on.
# Gradescope runs this once when the autograder image is built. The grading container must reach a
# Docker engine: either dockerd inside it (needs an environment that allows it), or a remote engine
# named by DOCKER_HOST in /autograder/source/shipshape.env (e.g. DOCKER_HOST=ssh://grader@engine.example).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl gnupg docker.io${input.needsDockerCli ? ' docker-compose' : ''}
curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
apt-get install -y --no-install-recommends nodejs
npm install --global --no-audit --no-fund shipshape@${input.version}
${courseAdds(input).map((line) => `${line}\n`).join('')}`;
}

export function gradescopeRunAutograder(input: TemplateInput): string {
  const workspace = input.workspaces[0]!;
  return `#!/usr/bin/env bash
# Gradescope autograder: grades /autograder/submission as the challenge ${workspace.challenge} and writes
# /autograder/results/results.json (tests with name, score, max_score, status, output, visibility).
set -uo pipefail
SOURCE=\${SOURCE:-/autograder/source}
RESULTS=\${RESULTS:-/autograder/results/results.json}
SUBMISSION=\${SUBMISSION:-/autograder/submission}
WORK=$(mktemp -d)
[ -f "$SOURCE/shipshape.env" ] && set -a && . "$SOURCE/shipshape.env" && set +a
# Start dockerd when there is none to talk to and this container may run it.
if [ -z "\${DOCKER_HOST:-}" ] && ! docker info >/dev/null 2>&1 && command -v dockerd >/dev/null; then
  (dockerd >/tmp/dockerd.log 2>&1 &)
  for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
# The learner's files, with the challenge marker of this autograder (the submission may lack it).
cp -R "$SUBMISSION"/. "$WORK"/
mkdir -p "$WORK/.shipshape"
cp "$SOURCE/.shipshape/challenge.json" "$WORK/.shipshape/challenge.json"
mkdir -p "$(dirname "$RESULTS")"
${verifyCommand('"$WORK"', ['"gradescope=$RESULTS"'])}
code=$?
if [ "$code" -gt 1 ] || [ ! -s "$RESULTS" ]; then
  # Grading did not run (no engine, bad input): say so instead of a silent zero.
  printf '{"score": 0, "output": "The autograder could not grade this submission (shipshape exit %s). Please tell your instructor.", "tests": []}\\n' "$code" > "$RESULTS"
fi
exit 0
`;
}

export function readme(task: string, input: TemplateInput): string {
  const single = input.workspaces.length === 1;
  const where = single ? '' : ` (one folder per challenge: ${input.workspaces.map((workspace) => `\`${workspace.dir}/\``).join(', ')})`;
  return `${task.trim()}

## Grading

Every push is graded by [Shipshape](https://www.npmjs.com/package/shipshape) ${input.version}${where}:

- **Locally**: \`npm install --global shipshape@${input.version}\`, ${courseAdds(input).map((line) => `\`${line}\`, `).join('')}then \`shipshape challenge:verify${single ? '' : ' --dir <folder>'}\`.
- **GitHub Actions** (\`.github/workflows/shipshape.yml\`): a job summary, annotations on the Dockerfile lines, and the same findings under Security → Code scanning.
- **GitLab CI** (\`.gitlab-ci.yml\`): the checks in the pipeline's Tests tab.
- **Classroom 50** (\`classroom50/autograder.py\`) and **Gradescope** (\`gradescope/\`): autograders for instructors; see the comments at the top of each file.
`;
}
