import { describe, expect, it } from 'vitest';
import { describeImageStore, imageStoreFromInfo } from '../../src/engine/image-store.js';

describe('imageStoreFromInfo', () => {
  it('reads the containerd image store from DriverStatus (Docker 28.5, snapshotter on)', () => {
    const facts = imageStoreFromInfo({ Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] });
    expect(facts).toEqual({ store: 'containerd', driver: 'overlayfs' });
    expect(describeImageStore(facts)).toBe('containerd image store (snapshotter overlayfs)');
  });
  it('reads a graph driver (Docker 20.10 and 28.5 with the snapshotter off)', () => {
    const facts = imageStoreFromInfo({ Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']] });
    expect(facts).toEqual({ store: 'graphdriver', driver: 'overlay2' });
    expect(describeImageStore(facts)).toBe('overlay2 (graph driver)');
    expect(imageStoreFromInfo({})).toEqual({ store: 'graphdriver', driver: 'unknown' });
  });
});
