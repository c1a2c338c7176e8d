/** Adversarial Dockerfiles by name, each built on demand (see hostile-dockerfiles.mjs). */
export declare const hostileDockerfiles: Record<string, () => string>;
