import { categories } from '../data/categories.js';
import { route } from './route.js';

export const categoriesGet = route({
  path: '/categories/get',
  allowed: [],
  required: [],
  // Plaid serves the legacy taxonomy without client credentials.
  public: true,
  handle: () => ({ categories: categories() }),
});
