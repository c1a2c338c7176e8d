import { describe, expect, it } from 'vitest';
import { byLine, cleanComposeOutput, keysNamed } from '../../src/engine/compose/messages.js';

describe("Compose's own output, reduced to what it says about the file", () => {
  it("drops v2's logrus warnings and keeps the message of an error, with workspace paths relative", () => {
    const output = [
      'time="2026-12-01T23:00:00Z" level=warning msg="/ws/compose.yaml: the attribute `version` is obsolete, it will be ignored"',
      'time="2026-12-01T23:00:00Z" level=warning msg="The \\"X\\" variable is not set. Defaulting to a blank string."',
      'validating /ws/compose.yaml: services.web.ports must be a array',
    ].join('\n');
    expect(cleanComposeOutput(output, '/ws')).toBe('validating compose.yaml: services.web.ports must be a array');
    expect(cleanComposeOutput('time="x" level=error msg="service \\"app\\" refers to undefined network lan: invalid compose project"', '/ws')).toBe(
      'service "app" refers to undefined network lan: invalid compose project',
    );
  });

  it("drops v1's WARNING lines and its preamble, and strips control characters", () => {
    const output = [
      'WARNING: The FOO variable is not set. Defaulting to a blank string.',
      "ERROR: The Compose file '/ws/compose.yaml' is invalid because:",
      'services.web.ports contains an invalid type, it should be an array\u0007\u001b[31m',
    ].join('\n');
    expect(cleanComposeOutput(output, '/ws')).toBe('services.web.ports contains an invalid type, it should be an array');
  });

  it('finds the key path either version names, for the line', () => {
    expect(keysNamed('services.web.ports contains an invalid type')).toEqual(['services', 'web', 'ports']);
    expect(keysNamed('validating compose.yaml: services.web.volumes.1 must be a string')).toEqual(['services', 'web', 'volumes', 1]);
    expect(keysNamed('Error while attempting to convert service.memcached.healthcheck.retries')).toEqual(['services', 'memcached', 'healthcheck', 'retries']);
    expect(keysNamed('service "app" refers to undefined network lan')).toEqual(['services', 'app']);
    expect(keysNamed("Service 'app' depends on service 'dbx' which is undefined.")).toEqual(['services', 'app']);
    expect(keysNamed('something else entirely')).toEqual([]);
  });

  it('orders problems by line, keeping the order within a line', () => {
    expect(byLine(['c.yaml:10: b', 'c.yaml:2: a', 'c.yaml:10: c'])).toEqual(['c.yaml:2: a', 'c.yaml:10: b', 'c.yaml:10: c']);
  });
});
