import { newUserId, newToken } from '../data/ids.js';
import { stringField } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { route } from './route.js';

export const userCreate = route({
  path: '/user/create',
  allowed: ['client_user_id', 'identity', 'end_customer', 'consumer_report_user_identity', 'with_upgraded_user'],
  required: ['client_user_id'],
  handle(body, ctx) {
    const clientUserId = stringField(body, 'client_user_id');
    if (clientUserId.length < 1 || clientUserId.length > 128) throw apiErrors.invalidField('client_user_id', 'must be 1 to 128 characters');
    if (ctx.store.user(clientUserId)) throw apiErrors.invalidField('client_user_id', 'a user with this client_user_id already exists');
    const user = { userId: newUserId(), userToken: newToken('user') };
    ctx.store.saveUser(clientUserId, user);
    // Both forms: `user_id` (integrations since December 2025) and the legacy `user_token`.
    return { user_id: user.userId, user_token: user.userToken };
  },
});
