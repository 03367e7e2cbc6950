import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { startTestApp } from "../support/app.ts";
import { inviteCode, type Person, people, signup } from "../support/fixtures.ts";

const maxSize = 256 * 1024;
const app = await startTestApp({ files: { maxSize } });
const { alice, bob, mallory, carol } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };
const root = app.files.root;
const code = await inviteCode(app, alice);
const signupPerson = (name: string) => signup(app, name, "Acme", code);

type Part = { bytes: Uint8Array | string; name: string; type?: string };
const form = (...parts: Part[]) => {
  const body = new FormData();
  for (const part of parts)
    body.append("files", new Blob([part.bytes], { type: part.type ?? "" }), part.name);
  return body;
};
const upload = (
  by: Person | undefined,
  body: FormData | string,
  headers: Record<string, string> = {},
) => app.request("POST", "/api/upload", { token: by?.token, body, headers });
const download = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, { headers });
const random = (size: number) => crypto.getRandomValues(new Uint8Array(size));
/** Every file under the upload directory, the temporary area included. */
const stored = (): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));

/** A GET written byte for byte, so that no client library tidies the path first. */
async function rawGet(path: string, token: string): Promise<{ status: number; text: string }> {
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    Bun.connect({
      hostname: "127.0.0.1",
      port: Number(new URL(app.url).port),
      socket: {
        open(socket) {
          socket.write(
            `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
          );
        },
        data(_, chunk) {
          chunks.push(Buffer.from(chunk));
        },
        close: () => resolve(),
        error: (_, error) => reject(error),
      },
    });
  });
  const text = Buffer.concat(chunks).toString("latin1");
  return { status: Number(text.split(" ")[1]), text };
}

describe("uploading", () => {
  test("text and binary files from 0 bytes to the limit come back byte for byte", async () => {
    const parts: Part[] = [
      { bytes: new Uint8Array(), name: "empty.txt" },
      { bytes: "x", name: "one.txt" },
      { bytes: "héllo wörld\n", name: "text.txt" },
      { bytes: random(64 * 1024), name: "blob.bin" },
      { bytes: random(maxSize), name: "limit.bin" },
    ];
    for (const part of parts) {
      const reply = await upload(alice, form(part));
      expect(reply.status).toBe(201);
      const [info] = reply.body;
      const expected =
        typeof part.bytes === "string" ? new TextEncoder().encode(part.bytes) : part.bytes;
      expect(info).toEqual({
        url: expect.stringMatching(
          /^\/api\/files\/\d+\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.\w+$/,
        ),
        name: part.name,
        size: expected.length,
        type: expect.any(String),
      });
      const response = await download(info.url, { authorization: `Bearer ${alice.token}` });
      expect(response.status).toBe(200);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(expected));
    }
  });

  test("several files in one request answer in order, with each type from its name", async () => {
    const reply = await upload(
      alice,
      form(
        { bytes: "<p>", name: "page.html" },
        { bytes: random(10), name: "photo.PNG" },
        { bytes: "{}", name: "noext" },
      ),
    );
    expect(reply.body.map((info: { type: string }) => info.type)).toEqual([
      expect.stringMatching(/^text\/html/),
      "image/png",
      "application/octet-stream",
    ]);
    expect(reply.body.map((info: { url: string }) => info.url.split(".").pop())).toEqual([
      "html",
      "png",
      "bin",
    ]);
  });

  test("the same bytes are stored once per workspace and get the same URL; the first upload decides type", async () => {
    const bytes = random(1000);
    const first = (await upload(alice, form({ bytes, name: "first.png" }))).body[0];
    const before = stored().length;
    const second = (await upload(bob, form({ bytes, name: "second.txt" }))).body[0];
    expect(second).toEqual({ ...first, name: "second.txt" });
    expect(stored().length).toBe(before);
    const elsewhere = (await upload(mallory, form({ bytes, name: "first.png" }))).body[0];
    expect(elsewhere.url).not.toBe(first.url);
    expect(stored().length).toBe(before + 1);
  });

  test("a file over the limit is 413 and leaves nothing on disk, not even its request's other files", async () => {
    const before = stored();
    const reply = await upload(
      alice,
      form(
        { bytes: random(100), name: "fine.bin" },
        { bytes: random(maxSize + 1), name: "big.bin" },
      ),
    );
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe("payload_too_large");
    expect(stored()).toEqual(before);
  });

  test("more than 10 files is 422; no files part is 422; both store nothing", async () => {
    const before = stored();
    const eleven = form(
      ...Array.from({ length: 11 }, (_, i) => ({ bytes: `file ${i}`, name: `${i}.txt` })),
    );
    const tooMany = await upload(alice, eleven);
    expect(tooMany.status).toBe(422);
    const fields = new FormData();
    fields.append("other", "not a file");
    const none = await upload(alice, fields);
    expect(none.status).toBe(422);
    expect(none.body.error.message).toContain("files");
    expect(stored()).toEqual(before);
  });

  test("a broken multipart body is 400; without a token it is 401 first", async () => {
    const broken =
      '--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nno end';
    const headers = { "content-type": "multipart/form-data; boundary=b" };
    expect((await upload(alice, broken, headers)).status).toBe(400);
    expect((await upload(undefined, broken, headers)).status).toBe(401);
    expect(
      (await upload(alice, "plain text", { "content-type": "multipart/form-data" })).status,
    ).toBe(400);
  });

  test("a file name never reaches a path: only hash paths exist under the upload directory", async () => {
    const reply = await upload(
      alice,
      form(
        { bytes: random(20), name: "../../../../tmp/escape.txt" },
        { bytes: random(20), name: "..\\..\\win.txt" },
      ),
    );
    expect(reply.body.map((info: { name: string }) => info.name)).toEqual([
      "escape.txt",
      "win.txt",
    ]);
    for (const path of stored())
      expect(path).toMatch(/^\d+\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
  });
});

/** A chat of alice's with these people, holding a message of alice's that carries `urls`. */
async function shareIn(type: string, members: Person[], urls: string[]): Promise<number> {
  const chat = await app.request("POST", "/api/chat", {
    token: alice.token,
    body: {
      type,
      name: type === "group" ? null : `share-${crypto.randomUUID().slice(0, 8)}`,
      members: members.map((p) => p.user.id),
    },
  });
  const sent = await app.request("POST", `/api/chat/${chat.body.id}`, {
    token: alice.token,
    body: { content: "", files: urls },
  });
  expect(sent.status).toBe(201);
  return chat.body.id as number;
}

describe("downloading", () => {
  const bytes = random(5000);
  // Sent to bob, so that bob may read it too.
  const info = (async () => {
    const file = (await upload(alice, form({ bytes, name: "report ü.pdf" }))).body[0];
    await shareIn("private_channel", [bob], [file.url]);
    return file;
  })();

  test("needs a token in the header or the query; another workspace gets 404", async () => {
    const { url } = await info;
    expect((await download(url)).status).toBe(401);
    expect((await download(`${url}?token=garbage`)).status).toBe(401);
    expect((await download(`${url}?token=${bob.token}`)).status).toBe(200);
    const foreign = await download(url, { authorization: `Bearer ${mallory.token}` });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as any).error.code).toBe("not_found");
  });

  test("sends the type, the name, an ETag, and may be cached forever", async () => {
    const { url } = await info;
    const response = await download(url, { authorization: `Bearer ${bob.token}` });
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toBe(
      `inline; filename="report _.pdf"; filename*=UTF-8''report%20%C3%BC.pdf`,
    );
    expect(response.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const etag = response.headers.get("etag") as string;
    const again = await download(url, {
      authorization: `Bearer ${bob.token}`,
      "if-none-match": etag,
    });
    expect(again.status).toBe(304);
  });

  test("a single Range is 206 with those bytes; an unsatisfiable one is 416 with the size", async () => {
    const { url } = await info;
    const auth = { authorization: `Bearer ${bob.token}` };
    const partial = await download(url, { ...auth, range: "bytes=100-199" });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe("bytes 100-199/5000");
    expect(new Uint8Array(await partial.arrayBuffer())).toEqual(bytes.slice(100, 200));
    const tail = await download(url, { ...auth, range: "bytes=-10" });
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(-10));
    const beyond = await download(url, { ...auth, range: "bytes=6000-7000" });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe("bytes */5000");
    const several = await download(url, { ...auth, range: "bytes=0-1,10-11" });
    expect([200, 206]).toContain(several.status);
  });

  test("HTML and SVG are downloaded as attachments in a sandbox, never run in our origin", async () => {
    const reply = await upload(
      alice,
      form(
        { bytes: "<script>alert(1)</script>", name: "x.html" },
        {
          bytes: "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
          name: "x.svg",
        },
      ),
    );
    for (const { url } of reply.body) {
      const response = await download(url, { authorization: `Bearer ${alice.token}` });
      expect(response.headers.get("content-disposition")).toStartWith("attachment;");
      expect(response.headers.get("content-security-policy")).toContain("sandbox");
    }
  });

  test("no path, encoding or link reads outside the upload directory", async () => {
    const { url } = await info;
    const [, , , workspace, a, b, file] = url.split("/");
    const attempts = [
      "/api/files/../../../../etc/passwd",
      `/api/files/${workspace}/../../../../../etc/passwd`,
      "/api/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/api/files/..%2f..%2f..%2fetc%2fpasswd",
      "/api/files/%2fetc%2fpasswd",
      "/api/files//etc/passwd",
      "/api/files/..\\..\\..\\etc\\passwd",
      `/api/files/${workspace}/${a}/${b}/${file}%00.txt`,
      `/api/files/${workspace}/${a}/${b}/${file}/..`,
      `/api/files/${workspace}/${a}/${b}/${file?.toUpperCase()}`,
      `/api/files/${workspace}/%2e%2e/${a}/${b}/${file}`,
      "/api/files/.tmp/anything",
    ];
    for (const path of attempts) {
      const reply = await rawGet(path, alice.token);
      expect({ path, status: reply.status }).toEqual({
        path,
        status: reply.status >= 400 ? reply.status : 404,
      });
      expect(reply.text).not.toContain("root:");
    }

    // A link planted inside the directory, under a recorded hash, is not followed out of it.
    const hash = "f".repeat(64);
    mkdirSync(join(root, String(alice.workspace.id), "ff", "ff"), { recursive: true });
    symlinkSync("/etc/passwd", join(root, String(alice.workspace.id), "ff", "ff", hash));
    await app.sql(
      "insert into files (workspace_id, hash, ext, type, size, created_at) values (?, ?, 'txt', 'text/plain', 10, 0)",
      [alice.workspace.id, hash],
    );
    const linked = await rawGet(`/api/files/${alice.workspace.id}/ff/ff/${hash}.txt`, alice.token);
    expect(linked.status).toBe(404);
    expect(linked.text).not.toContain("root:");
  });
});

describe("who may download a file", () => {
  const fresh = async (by: Person = alice) =>
    (await upload(by, form({ bytes: random(100), name: "private.txt" }))).body[0].url as string;
  const status = async (url: string, by: Person) =>
    (await download(url, { authorization: `Bearer ${by.token}` })).status;

  test("an upload never sent is readable by its uploader alone", async () => {
    const url = await fresh();
    expect(await status(url, alice)).toBe(200);
    expect(await status(url, bob)).toBe(404);
    expect(await status(url, mallory)).toBe(404);
  });

  test("each reader gets the name they know a file by: their own upload's, else the one it was sent under; never another's private name", async () => {
    const bytes = random(300);
    const secret = (await upload(carol, form({ bytes, name: "carol-layoffs.txt" }))).body[0];
    const mine = (await upload(alice, form({ bytes, name: "notes.txt" }))).body[0];
    expect(mine.url).toBe(secret.url);
    const nameFor = async (by: Person) =>
      (await download(mine.url, { authorization: `Bearer ${by.token}` })).headers.get(
        "content-disposition",
      );
    // Not sent yet: the uploaders each see their own name.
    expect(await nameFor(carol)).toContain('filename="carol-layoffs.txt"');
    expect(await nameFor(alice)).toContain('filename="notes.txt"');
    // Sent by alice to bob: bob knows it as notes.txt, carol still by her own name.
    const chatId = await shareIn("private_channel", [bob], [mine.url]);
    expect(await nameFor(bob)).toContain('filename="notes.txt"');
    expect(await nameFor(carol)).toContain('filename="carol-layoffs.txt"');
    const sent = await app.request("GET", `/api/chat/${chatId}/messages`, { token: bob.token });
    expect(sent.body[0].attachments[0].name).toBe("notes.txt");
    // An avatar is read by the whole workspace, by the name its owner gave it.
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, ...random(32)]);
    const face = (await upload(bob, form({ bytes: png, name: "bob-face.png", type: "image/png" })))
      .body[0];
    const set = await app.request("PATCH", "/api/me", {
      token: bob.token,
      body: { avatar: face.url },
    });
    expect(set.status).toBe(200);
    const avatar = await download(face.url, { authorization: `Bearer ${carol.token}` });
    expect(avatar.status).toBe(200);
    expect(avatar.headers.get("content-disposition")).toContain('filename="bob-face.png"');
    // Bytes no one can read under any name of theirs are not found at all.
    const unsent = (await upload(bob, form({ bytes: random(20), name: "draft.txt" }))).body[0];
    expect((await download(unsent.url, { authorization: `Bearer ${carol.token}` })).status).toBe(
      404,
    );
  });

  test("a file sent in a private chat is readable by its members, not by the rest of the workspace", async () => {
    const url = await fresh();
    await shareIn("private_channel", [bob], [url]);
    expect(await status(url, bob)).toBe(200);
    const hidden = await download(url, { authorization: `Bearer ${carol.token}` });
    expect(hidden.status).toBe(404);
    expect(((await hidden.json()) as any).error.code).toBe("not_found");
    expect(await status(url, mallory)).toBe(404);
  });

  test("a member who leaves the chat can no longer read its files", async () => {
    const url = await fresh();
    const chat = await shareIn("group", [bob, carol], [url]);
    expect(await status(url, carol)).toBe(200);
    expect(
      (await app.request("POST", `/api/chat/${chat}/leave`, { token: carol.token })).status,
    ).toBe(204);
    expect(await status(url, carol)).toBe(404);
    expect(await status(url, bob)).toBe(200);
  });

  test("a file sent in a public channel is readable by everyone in the workspace, and no one outside", async () => {
    const url = await fresh();
    await shareIn("public_channel", [], [url]);
    expect(await status(url, carol)).toBe(200);
    expect(await status(url, mallory)).toBe(404);
  });

  test("the same bytes uploaded by someone else do not open a copy sent where they cannot read", async () => {
    // Content addressing gives equal bytes one URL; reading it still needs a right of one's own.
    const bytes = random(64);
    const url = (await upload(alice, form({ bytes, name: "a.txt" }))).body[0].url as string;
    await shareIn("private_channel", [bob], [url]);
    expect(await status(url, carol)).toBe(404);
    const again = (await upload(carol, form({ bytes, name: "c.txt" }))).body[0].url as string;
    expect(again).toBe(url);
    expect(await status(url, carol)).toBe(200);
  });

  test("a download token opens the files its user may read, and nothing else", async () => {
    const url = await fresh();
    await shareIn("private_channel", [bob], [url]);
    const made = await app.request("POST", "/api/files/token", { token: bob.token, body: {} });
    expect(made.status).toBe(201);
    const expiresIn = Date.parse(made.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(23 * 3_600_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3_600_000);
    const token = made.body.token as string;
    const byLink = await download(`${url}?download=${token}`);
    expect(byLink.status).toBe(200);
    expect(byLink.headers.get("cache-control")).toStartWith("private");
    expect((await download(`${await fresh()}?download=${token}`)).status).toBe(404);
    // Not a session: the API, v1's ?token= and the header all refuse it.
    expect((await app.request("GET", "/api/me", { token })).status).toBe(401);
    expect((await download(`${url}?token=${token}`)).status).toBe(401);
    expect((await download(url, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  test("a download token ends with the session that made it: a password change ends both", async () => {
    const dave = await signupPerson("Dave");
    const url = (await upload(dave, form({ bytes: random(10), name: "d.txt" }))).body[0].url;
    const { token } = (
      await app.request("POST", "/api/files/token", { token: dave.token, body: {} })
    ).body;
    expect((await download(`${url}?download=${token}`)).status).toBe(200);
    const changed = await app.request("POST", "/api/me/password", {
      token: dave.token,
      body: { currentPassword: dave.password, newPassword: "a new password" },
    });
    expect(changed.status).toBe(200);
    expect((await download(`${url}?download=${token}`)).status).toBe(401);
  });
});

describe("files in messages", () => {
  const chat = (async () =>
    (
      await app.request("POST", "/api/chat", {
        token: alice.token,
        body: { members: [bob.user.id] },
      })
    ).body)();
  const send = async (by: Person, body: unknown) =>
    app.request("POST", `/api/chat/${(await chat).id}`, { token: by.token, body });

  test("a message may carry uploaded files with empty content", async () => {
    const urls = (
      await upload(
        alice,
        form({ bytes: random(10), name: "a.bin" }, { bytes: random(10), name: "b.png" }),
      )
    ).body.map((i: { url: string }) => i.url);
    const reply = await send(alice, { content: "", files: urls });
    expect(reply.status).toBe(201);
    expect(reply.body.files).toEqual(urls);
  });

  test("a file is sent on only by someone who may read it, under the name they know it by", async () => {
    const bytes = random(64);
    const url = (await upload(carol, form({ bytes, name: "carol-private.txt" }))).body[0]
      .url as string;
    // Carol's upload, never sent: alice cannot send it on, and nothing is stored.
    const refused = await send(alice, { content: "look", files: [url] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("validation_failed");
    // Once sent to alice in a chat of theirs, she may, under the name she saw: carol's.
    const theirs = await app.request("POST", "/api/chat", {
      token: carol.token,
      body: { members: [alice.user.id] },
    });
    await app.request("POST", `/api/chat/${theirs.body.id}`, {
      token: carol.token,
      body: { content: "", files: [url] },
    });
    const forwarded = await send(alice, { content: "look", files: [url] });
    expect(forwarded.status).toBe(201);
    expect(forwarded.body.attachments[0].name).toBe("carol-private.txt");
    // Her own upload of the same bytes names it her way from then on.
    await upload(alice, form({ bytes, name: "alice.txt" }));
    expect((await send(alice, { content: "", files: [url] })).body.attachments[0].name).toBe(
      "alice.txt",
    );
    const history = await app.request("GET", `/api/chat/${(await chat).id}/messages?limit=5`, {
      token: bob.token,
    });
    expect(history.body.filter((m: { content: string }) => m.content === "look")).toHaveLength(1);
  });

  test("files of another workspace, unknown hashes, a wrong extension or more than 10 are 422", async () => {
    const mine = (await upload(alice, form({ bytes: random(10), name: "mine.txt" }))).body[0]
      .url as string;
    const theirs = (await upload(mallory, form({ bytes: random(10), name: "theirs.txt" }))).body[0]
      .url as string;
    const cases = [
      [theirs],
      [mine.replace(/[0-9a-f]{64}/, "0".repeat(64)).replace(/\/\w\w\/\w\w\//, "/00/00/")],
      [mine.replace(/\.txt$/, ".exe")],
      [`${app.url}${mine}`],
      Array.from({ length: 11 }, () => mine),
    ];
    for (const files of cases) {
      const reply = await send(alice, { content: "with files", files });
      expect({ files, status: reply.status }).toEqual({ files, status: 422 });
    }
  });
});
