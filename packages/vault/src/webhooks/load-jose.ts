/**
 * jose, imported on the first webhook verified rather than with the package
 * (~45 ms of a cold start on a 2-core machine, for a feature many processes
 * never use: a worker that only reads tokens). One import, shared by every
 * caller. jose is a dependency, so a failure here is a broken install,
 * reported as it is.
 */
let jose: Promise<typeof import('jose')> | undefined;

export function loadJose(): Promise<typeof import('jose')> {
  jose ??= import('jose');
  return jose;
}
