import { Flags } from '@oclif/core';

/** Flags of every command that talks to the engine; spread into a command's `flags`. */
export const engineFlags = {
  'docker-host': Flags.string({
    description: 'Docker engine to use (unix:///path, tcp://host:port, ssh://user@host); default: DOCKER_HOST, the Docker context, the local socket',
    helpValue: 'URL',
  }),
};
