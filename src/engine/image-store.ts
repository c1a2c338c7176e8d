/**
 * Where an engine keeps images: the graph driver (overlay2, and older ones) or the containerd image
 * store (the default of fresh Docker 29 installs and of Docker Desktop). Sizes and `docker save`
 * layouts differ between them, so checks and reports name it.
 */
export type ImageStore = 'containerd' | 'graphdriver';

export interface ImageStoreFacts {
  store: ImageStore;
  /** The driver or snapshotter name as the engine reports it: overlay2, overlayfs, ... */
  driver: string;
}

/** From `GET /info`: the containerd store reports `driver-type: io.containerd.snapshotter.v1` in DriverStatus. */
export function imageStoreFromInfo(info: { Driver?: string; DriverStatus?: Array<[string, string]> | null }): ImageStoreFacts {
  const driver = info.Driver ?? 'unknown';
  const status = info.DriverStatus ?? [];
  const snapshotter = status.some(([key, value]) => /driver-type/i.test(key) && /snapshotter/i.test(value));
  return { store: snapshotter ? 'containerd' : 'graphdriver', driver };
}

export function describeImageStore(facts: ImageStoreFacts): string {
  return facts.store === 'containerd' ? `containerd image store (snapshotter ${facts.driver})` : `${facts.driver} (graph driver)`;
}
