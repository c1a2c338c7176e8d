/** The report formats of `challenge:verify --format` (kept apart so the command loads no renderer until one is used). */
export const VERIFY_FORMATS = ['json', 'junit', 'sarif', 'github', 'gradescope', 'classroom50'] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];
