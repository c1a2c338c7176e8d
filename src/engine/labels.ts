/** Every Docker object Shipshape creates carries these, so cleanup and `shipshape clean` can find them. */
export const LABEL_TOOL = 'dev.shipshape.tool';
export const LABEL_RUN = 'dev.shipshape.run';
export const LABEL_CHALLENGE = 'dev.shipshape.challenge';
export const TOOL_NAME = 'shipshape';

export function runLabels(runId: string, challengeId?: string): Record<string, string> {
  return {
    [LABEL_TOOL]: TOOL_NAME,
    [LABEL_RUN]: runId,
    ...(challengeId ? { [LABEL_CHALLENGE]: challengeId } : {}),
  };
}
