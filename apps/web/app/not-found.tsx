import Link from 'next/link';

export default function NotFound() {
  return (
    <section className="card narrow">
      <h1>Not found</h1>
      <p>There is nothing here, or it belongs to someone else.</p>
      <p>
        <Link href="/dashboard">Back to your banks</Link>
      </p>
    </section>
  );
}
