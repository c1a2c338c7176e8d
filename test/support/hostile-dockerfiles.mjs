/**
 * Adversarial Dockerfiles shared by the tests (correctness) and bench/ (time and memory): each is
 * built on demand, since some are a megabyte.
 */
const ESCAPES = '\u001b]0;pwned\u0007\u001b[2J\u0000\u202e\u001bPq#0\u001b\\ end';

/** @type {Record<string, () => string>} */
export const hostileDockerfiles = {
  '1 MB Dockerfile': () => {
    const lines = ['FROM alpine:3.20 AS builder', 'RUN make'];
    for (let index = 0, size = 0; size < 1_000_000; index += 1) {
      const line = `RUN echo step ${index} && apk add --no-cache git unzip curl && rm -rf /var/cache/apk/*`;
      lines.push(line);
      size += line.length + 1;
    }
    lines.push('FROM alpine:3.20', 'COPY --from=builder /out /out', 'HEALTHCHECK CMD test -d /out || exit 1', 'CMD ["sh"]');
    return `${lines.join('\n')}\n`;
  },
  '5000-stage chain': () => {
    const lines = ['FROM alpine:3.20 AS s0', 'RUN make'];
    for (let index = 0; index < 4999; index += 1) lines.push(`FROM s${index} AS s${index + 1}`);
    lines.push('CMD sleep infinity');
    return `${lines.join('\n')}\n`;
  },
  '10 000 HEALTHCHECK lines': () =>
    `FROM alpine:3.20 AS builder\nRUN make\nFROM alpine:3.20\n${'HEALTHCHECK CMD true\n'.repeat(10_000)}CMD ["sh"]\n`,
  '1 MB exec-form CMD': () =>
    `FROM alpine:3.20 AS builder\nRUN make\nFROM alpine:3.20\nCMD ${JSON.stringify(Array.from({ length: 1000 }, (_unused, index) => `${index}${'x'.repeat(1000)}`))}\n`,
  'escape bytes': () =>
    `FROM alpine:3.20 AS builder${ESCAPES}\nRUN make ${ESCAPES}\nFROM alpine:3.20\nCOPY ${ESCAPES}Makefile /app/\nHEALTHCHECK CMD echo ${ESCAPES}\nCMD run ${ESCAPES}\n`,
};
