// A fresh PostgreSQL database per test file, dropped when the file is done. The server is the
// machine's own (CHAT_TEST_POSTGRES, default 127.0.0.1:5432, database `test`, trust auth);
// `npm test` starts or installs it when it is missing.
import postgres from "postgres";

export const adminUrl = process.env.CHAT_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/test";

/** Whether the feature suites run on PostgreSQL (`npm test` runs them once on each store). */
export const onPostgres = process.env.CHAT_TEST_DATABASE === "postgres";

export async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `chat_test_${process.pid}_${crypto.randomUUID().slice(0, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
