import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { currentUserId } from '@/server/current-user';
import { getServices } from '@/server/vault';
import './globals.css';

export const metadata: Metadata = {
  title: 'plaid-vault reference app',
  description: 'Bank connections whose access tokens never leave the server.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is per-request (session, CSP nonce); this also keeps `next build` from starting the vault.
  await connection();
  const [{ settings }, userId] = await Promise.all([getServices(), currentUserId()]);
  return (
    <html lang="en">
      <body>
        <a className="skip" href="#main">
          Skip to content
        </a>
        {settings.emulator && (
          <p className="banner" role="note">
            Running on the offline Plaid emulator: no real bank is contacted.
          </p>
        )}
        <header className="top">
          <Link href={userId ? '/dashboard' : '/signin'} className="brand">
            plaid-vault
          </Link>
          {userId && (
            <nav aria-label="Main">
              <Link href="/dashboard">Banks</Link>
              <Link href="/security">Security</Link>
              <form action="/auth/signout" method="post">
                <button type="submit" className="link-button">
                  Sign out
                </button>
              </form>
            </nav>
          )}
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}
