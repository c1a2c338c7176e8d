import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The one challenge of the test course: builds FROM alpine:3.20 (a stand-in every engine here has). */
export const COURSE_CHALLENGE = 'course-demo-hello';
export const COURSE_LESSON = 'course-demo-basics';
/** Strings of the course's hidden check: none may reach a learner's output. */
export const HIDDEN_SECRETS = ['app-dir-hidden', 'Hidden-app-directory-rule', 'HIDDEN-HINT-appdir-51c'];

const MANIFEST = `schemaVersion: 1
id: ${COURSE_CHALLENGE}
title: Hello from a course package
difficulty: beginner
lesson: ${COURSE_LESSON}
summary: A one-line image, from a course installed with course:add.
hints:
  - hints/1.md
starterFails:
  - exec-form
  - app-dir-hidden
checks:
  - id: exec-form
    kind: dockerfile.exec-form
    title: The command is in exec form
    hint: Write CMD as a JSON array.
  - id: builds
    kind: build.succeeds
    title: The image builds
    hint: Read the build output.
  - id: app-dir-hidden
    kind: image.path
    title: Hidden-app-directory-rule
    with: { path: /srv/app }
    hint: HIDDEN-HINT-appdir-51c
    visibility: hidden
  - id: bonus-workdir
    kind: image.config
    title: After-pass-workdir-bonus
    with: { workingDir: /srv/app }
    hint: Set WORKDIR.
    required: false
    visibility: after-pass
`;

/** Writes a small course (course.yaml, one lesson, one challenge with a hidden and an after-pass check) into `dir`. */
export async function writeCourse(dir: string, options: { id?: string; version?: string; packageJson?: boolean } = {}): Promise<void> {
  const id = options.id ?? 'demo-course';
  const version = options.version ?? '1.2.3';
  const pack = path.join(dir, 'challenges', COURSE_CHALLENGE);
  await mkdir(path.join(pack, 'starter'), { recursive: true });
  await mkdir(path.join(pack, 'solution'), { recursive: true });
  await mkdir(path.join(pack, 'hints'), { recursive: true });
  await mkdir(path.join(dir, 'lessons'), { recursive: true });
  await writeFile(path.join(dir, 'course.yaml'), `schemaVersion: 1\nid: ${id}\ntitle: Demo course from a package\nversion: ${version}\nlessons: lessons\nchallenges: challenges\n`);
  await writeFile(
    path.join(dir, 'lessons', '01-basics.md'),
    `---\nid: ${COURSE_LESSON}\ntitle: Course demo basics\norder: 1\nchallenges:\n  - ${COURSE_CHALLENGE}\n---\n\n# Course demo basics\n\nA lesson that came with the course package.\n`,
  );
  await writeFile(path.join(pack, 'manifest.yaml'), MANIFEST);
  await writeFile(path.join(pack, 'task.md'), 'Make the command exec form and give the app its directory.\n');
  await writeFile(path.join(pack, 'hints', '1.md'), 'CMD ["echo", "hello"]\n');
  await writeFile(path.join(pack, 'starter', 'Dockerfile'), 'FROM alpine:3.20\nCMD echo hello\n');
  await writeFile(path.join(pack, 'solution', 'Dockerfile'), 'FROM alpine:3.20\nWORKDIR /srv/app\nCMD ["echo", "hello"]\n');
  if (options.packageJson) {
    // An install script that would leave a mark if anything ran it: course:add must not.
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: `shipshape-course-${id}`, version, description: 'test course', scripts: { preinstall: 'touch ran-preinstall', prepare: 'touch ran-prepare' } }, null, 2),
    );
  }
}
