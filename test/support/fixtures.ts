// Named people: alice (owner of acme) and bob (invited into acme); mallory alone in globex.
import type { User, Workspace } from "../../src/features/accounts/model.ts";
import type { TestApp } from "./app.ts";

export type Person = { token: string; user: User; workspace: Workspace; password: string };

export async function signup(
  app: TestApp,
  fullname: string,
  workspace: string,
  invite?: string,
): Promise<Person> {
  const password = `${fullname.toLowerCase()}-password`;
  const reply = await app.request("POST", "/api/signup", {
    body: {
      fullname,
      email: `${fullname.toLowerCase()}@${workspace.toLowerCase()}.test`,
      password,
      workspace,
      ...(invite && { invite }),
    },
  });
  if (reply.status !== 201) throw new Error(`signup ${fullname}: ${JSON.stringify(reply.body)}`);
  return { ...reply.body, password };
}

export async function inviteCode(app: TestApp, by: Person): Promise<string> {
  const reply = await app.request("POST", "/api/invites", { token: by.token, body: {} });
  if (reply.status !== 201) throw new Error(`invite: ${JSON.stringify(reply.body)}`);
  return reply.body.code;
}

/** alice and bob in acme, mallory in globex; `more` adds people to acme (carol, dave, …). */
export async function people(app: TestApp, more: string[] = []) {
  const alice = await signup(app, "Alice", "Acme");
  const code = await inviteCode(app, alice);
  const bob = await signup(app, "Bob", "Acme", code);
  const mallory = await signup(app, "Mallory", "Globex");
  const extra: Record<string, Person> = {};
  for (const name of more) extra[name.toLowerCase()] = await signup(app, name, "Acme", code);
  return { alice, bob, mallory, ...extra, code };
}
