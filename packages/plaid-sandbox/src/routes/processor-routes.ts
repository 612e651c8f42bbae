import { PROCESSORS } from '../data/processors.js';
import { stringField } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { selectAccounts } from './item-view.js';
import { route } from './route.js';

export const processorTokenCreate = route({
  path: '/processor/token/create',
  allowed: ['access_token', 'account_id', 'processor'],
  required: ['access_token', 'account_id', 'processor'],
  handle(body, ctx) {
    const item = ctx.store.itemFor(stringField(body, 'access_token'));
    const accountId = stringField(body, 'account_id');
    selectAccounts(item.accounts, [accountId]);
    const processor = stringField(body, 'processor');
    if (!PROCESSORS.has(processor)) throw apiErrors.invalidField('processor', 'is not a supported processor');
    // Dies with the Item (`/item/remove`), as Plaid documents.
    return { processor_token: ctx.store.createProcessorToken(item.itemId, accountId, processor) };
  },
});
