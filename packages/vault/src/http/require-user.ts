import { AuthRequiredError } from '../errors.js';
import type { Logger } from '../types/logger.js';
import type { GetUserId } from './app-env.js';
import { idSchema } from './schemas.js';

/**
 * The signed-in user, from the host's hook and nowhere else (never the body
 * or path). No user, or one that is not a valid id, is ERR_AUTH_REQUIRED:
 * failing closed beats guessing what a malformed id meant.
 */
export async function requireUser(req: Request, getUserId: GetUserId, logger: Logger, requestId: string): Promise<string> {
  const userId = await getUserId(req);
  if (userId === null || userId === undefined) throw new AuthRequiredError();
  if (!idSchema.safeParse(userId).success) {
    logger.warn({ requestId }, 'getUserId returned a malformed user id; treated as signed out');
    throw new AuthRequiredError();
  }
  return userId;
}
