import 'server-only';

// The app's code reaches the database through this module, so a Client Component
// importing it fails the build. Tests import app-database.ts directly (the
// `server-only` marker throws outside React's server bundles).
export { createAppDb, type AppDb, type AppSchema } from './app-database';
