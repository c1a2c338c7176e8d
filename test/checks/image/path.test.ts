import { describe, expect, it } from 'vitest';
import { imagePath } from '../../../src/checks/image/path.js';
import { FakeInspector, facts, imageContext } from './fake.js';

const IMAGE = 'sha256:built';

describe('image.path', () => {
  const check = (params: { path: string; exists?: boolean }, present: string[]) => {
    const inspector = new FakeInspector({ paths: { [IMAGE]: present } });
    return { inspector, verdict: imagePath.run(imagePath.params.parse(params), imageContext(facts({ id: IMAGE }), inspector)) };
  };

  it('exists (the default): passes when the path is in the image, asking about that path in the built image', async () => {
    const { inspector, verdict } = check({ path: '/app/vendor/autoload.php' }, ['/app/vendor/autoload.php']);
    expect(await verdict).toEqual({
      status: 'pass',
      message: '/app/vendor/autoload.php is present in the image',
      evidence: { path: '/app/vendor/autoload.php', found: true, expected: 'present' },
    });
    expect(inspector.pathQueries).toEqual([{ imageId: IMAGE, path: '/app/vendor/autoload.php' }]);
  });

  it('exists: fails when the path is missing', async () => {
    const { verdict } = check({ path: '/app/vendor/autoload.php' }, ['/app/src/App.php']);
    expect(await verdict).toMatchObject({ status: 'fail', message: '/app/vendor/autoload.php is missing from the image', evidence: { found: false, expected: 'present' } });
  });

  it('exists: false passes when the path is absent, fails when it is still there', async () => {
    expect(await check({ path: '/usr/bin/composer', exists: false }, []).verdict).toMatchObject({
      status: 'pass',
      message: '/usr/bin/composer is absent in the image',
      evidence: { found: false, expected: 'absent' },
    });
    expect(await check({ path: '/usr/bin/composer', exists: false }, ['/usr/bin/composer']).verdict).toMatchObject({
      status: 'fail',
      message: '/usr/bin/composer is still in the image',
      evidence: { found: true, expected: 'absent' },
    });
  });

  it('a path in another image does not count', async () => {
    const inspector = new FakeInspector({ paths: { 'sha256:other': ['/usr/bin/composer'] } });
    const verdict = await imagePath.run(imagePath.params.parse({ path: '/usr/bin/composer' }), imageContext(facts({ id: IMAGE }), inspector));
    expect(verdict.status).toBe('fail');
  });

  it('only absolute paths are accepted', () => {
    expect(imagePath.params.safeParse({ path: 'usr/bin/composer' }).success).toBe(false);
  });
});
