import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root (dist/course/ -> ../..), where the built-in course lives. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
