/** The workspace's own folder (marker, recovery, lock, backups): a module of its own so the lock needs no workspace code. */
export const STATE_DIR = '.shipshape';
