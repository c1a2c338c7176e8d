import protobuf from 'protobufjs';

/**
 * BuildKit's progress on the Engine API: each `{"id":"moby.buildkit.trace","aux":"<base64>"}` line of a
 * `version=2` build is a protobuf `moby.buildkit.v1.StatusResponse` (buildkit api/services/control).
 * Only the fields progress needs are described; unknown ones are skipped by the decoder.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    moby: {
      nested: {
        buildkit: {
          nested: {
            v1: {
              nested: {
                StatusResponse: {
                  fields: {
                    vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
                    statuses: { rule: 'repeated', type: 'VertexStatus', id: 2 },
                    logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
                    warnings: { rule: 'repeated', type: 'VertexWarning', id: 4 },
                  },
                },
                Vertex: {
                  fields: {
                    digest: { type: 'string', id: 1 },
                    inputs: { rule: 'repeated', type: 'string', id: 2 },
                    name: { type: 'string', id: 3 },
                    cached: { type: 'bool', id: 4 },
                    started: { type: 'Timestamp', id: 5 },
                    completed: { type: 'Timestamp', id: 6 },
                    error: { type: 'string', id: 7 },
                  },
                },
                VertexStatus: {
                  fields: {
                    ID: { type: 'string', id: 1 },
                    vertex: { type: 'string', id: 2 },
                    name: { type: 'string', id: 3 },
                    current: { type: 'int64', id: 4 },
                    total: { type: 'int64', id: 5 },
                  },
                },
                VertexLog: {
                  fields: {
                    vertex: { type: 'string', id: 1 },
                    timestamp: { type: 'Timestamp', id: 2 },
                    stream: { type: 'int64', id: 3 },
                    msg: { type: 'bytes', id: 4 },
                  },
                },
                VertexWarning: {
                  fields: {
                    vertex: { type: 'string', id: 1 },
                    level: { type: 'int64', id: 2 },
                    short: { type: 'bytes', id: 3 },
                  },
                },
                // google.protobuf.Timestamp on the wire.
                Timestamp: {
                  fields: {
                    seconds: { type: 'int64', id: 1 },
                    nanos: { type: 'int32', id: 2 },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
});

const StatusResponse = root.lookupType('moby.buildkit.v1.StatusResponse');

export interface TraceVertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  /** Milliseconds since the epoch, or null while not started / not completed. */
  started: number | null;
  completed: number | null;
  error: string;
}

export interface TraceLog {
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream: number;
  msg: Buffer;
}

export interface TraceStatus {
  vertex: string;
  name: string;
  current: number;
  total: number;
}

export interface TraceWarning {
  vertex: string;
  short: string;
}

export interface Trace {
  vertexes: TraceVertex[];
  statuses: TraceStatus[];
  logs: TraceLog[];
  warnings: TraceWarning[];
}

interface RawTimestamp {
  seconds?: number | string;
  nanos?: number;
}

function millis(stamp: RawTimestamp | undefined | null): number | null {
  if (!stamp) return null;
  return Number(stamp.seconds ?? 0) * 1000 + Math.floor((stamp.nanos ?? 0) / 1e6);
}

/** Decodes one trace message's `aux` (base64 protobuf). Throws on bytes that are not a StatusResponse. */
export function decodeTrace(aux: string): Trace {
  const raw = StatusResponse.toObject(StatusResponse.decode(Buffer.from(aux, 'base64')), {
    longs: Number,
    bytes: Buffer,
    arrays: true,
  }) as {
    vertexes: Array<{ digest?: string; inputs?: string[]; name?: string; cached?: boolean; started?: RawTimestamp; completed?: RawTimestamp; error?: string }>;
    statuses: Array<{ vertex?: string; name?: string; ID?: string; current?: number; total?: number }>;
    logs: Array<{ vertex?: string; stream?: number; msg?: Buffer }>;
    warnings: Array<{ vertex?: string; short?: Buffer }>;
  };
  return {
    vertexes: raw.vertexes.map((vertex) => ({
      digest: vertex.digest ?? '',
      inputs: vertex.inputs ?? [],
      name: vertex.name ?? '',
      cached: vertex.cached ?? false,
      started: millis(vertex.started),
      completed: millis(vertex.completed),
      error: vertex.error ?? '',
    })),
    statuses: raw.statuses.map((status) => ({
      vertex: status.vertex ?? '',
      name: status.name ?? status.ID ?? '',
      current: Number(status.current ?? 0),
      total: Number(status.total ?? 0),
    })),
    logs: raw.logs.map((log) => ({ vertex: log.vertex ?? '', stream: Number(log.stream ?? 1), msg: Buffer.from(log.msg ?? Buffer.alloc(0)) })),
    warnings: raw.warnings.map((warning) => ({ vertex: warning.vertex ?? '', short: Buffer.from(warning.short ?? Buffer.alloc(0)).toString('utf8') })),
  };
}
