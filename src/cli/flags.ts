import * as Flags from '@oclif/core/flags';

/** Flags of every command that talks to the engine; spread into a command's `flags`. */
export const engineFlags = {
  'docker-host': Flags.string({
    description: 'Docker engine to use (unix:///path, tcp://host:port, ssh://user@host); default: DOCKER_HOST, the Docker context, the local socket',
    helpValue: 'URL',
  }),
};

/** The builder of a verify: BuildKit where the engine has it (auto), or one chosen. */
export const builderFlags = {
  builder: Flags.string({
    description: 'Builder for the image: buildkit (through the Engine API, as `docker build` since Docker 23), classic, or auto (BuildKit where the engine has it). Default: SHIPSHAPE_BUILDER, else auto',
    options: ['auto', 'buildkit', 'classic'],
  }),
};

/** Which courses a command sees (see src/course/courses.ts). */
export const courseFlags = {
  course: Flags.string({
    description:
      'Course to use: an installed course id, the built-in one (builtin), or a directory with a course.yaml (repeatable). Default: SHIPSHAPE_COURSES, else the built-in course and every installed one',
    multiple: true,
    multipleNonGreedy: true,
  }),
};

/** Which challenges' images an images:* command works on. */
export const imageSelectionFlags = {
  challenge: Flags.string({ description: 'Only the images of this challenge (repeatable)', multiple: true, multipleNonGreedy: true, exclusive: ['all'] }),
  all: Flags.boolean({ description: 'The images of every challenge (the default)' }),
  pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
  ...courseFlags,
};
