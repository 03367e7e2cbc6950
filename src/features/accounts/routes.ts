import { Elysia, t } from "elysia";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { rateLimits } from "../../rate-limit.ts";
import { type AuthDeps, authenticated, tokens } from "./auth.ts";
import {
  ChangePasswordBody,
  Me,
  NewToken,
  Session,
  SigninBody,
  SignupBody,
  Ticket,
  User,
} from "./model.ts";
import {
  changePassword,
  createTicket,
  getMe,
  listUsers,
  signin,
  signout,
  signoutEverywhere,
  signup,
} from "./service.ts";

export const accountRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "accounts", prefix: "/api", detail: { tags: ["Accounts"] } })
    .use(tokens(deps))
    .use(rateLimits(deps))
    .post(
      "/signup",
      async ({ body, jwt, set }) => {
        const session = await signup(deps, body, jwt);
        set.status = 201;
        return session;
      },
      {
        body: SignupBody,
        limit: "signup",
        response: { 201: Session, 403: ErrorBody, 409: ErrorBody, ...errorResponses },
        detail: {
          summary: "Create an account",
          description:
            "A new workspace name creates the workspace with you as owner, and its public #general channel; an existing one needs an `invite` code (403 without; one that expired, was revoked or has no uses left is 403 too). A new member joins the workspace's public channel named general, if it has one that is not archived, and everyone in the workspace gets `user.updated`. A taken email is 409. Limited per IP (`limits.signup`).",
          security: [],
        },
      },
    )
    .post("/signin", ({ body, jwt }) => signin(deps, body, jwt), {
      body: SigninBody,
      // Brute force is refused before a password is checked: per IP, and per account.
      limit: "signin",
      response: { 200: Session, 403: ErrorBody, ...errorResponses },
      detail: {
        summary: "Sign in",
        description:
          "A wrong password and an unknown email give the same 401; a deactivated account (or a bot) is 403 after the right password. Limited per IP and per account (`limits.signin`).",
        security: [],
      },
    })
    .use(authenticated(deps))
    .get("/me", ({ ctx }) => getMe(ctx), {
      response: { 200: Me, ...errorResponses },
      detail: { summary: "The caller and their workspace" },
    })
    .post("/me/password", ({ ctx, body, jwt }) => changePassword(ctx, body, jwt), {
      body: ChangePasswordBody,
      response: { 200: NewToken, 403: ErrorBody, ...errorResponses },
      detail: {
        summary: "Change the password",
        description:
          "Needs the current password (403 when wrong). Every token issued before stops working; the answer carries a new one.",
      },
    })
    .post(
      "/signout",
      async ({ ctx, credential, set }) => {
        await signout(ctx, credential);
        set.status = 204;
      },
      {
        body: t.Optional(t.Object({})),
        response: { 204: t.Void(), ...errorResponses },
        detail: {
          summary: "Sign out: end the token this is called with",
          description:
            "The user's other tokens go on; the tickets and download tokens this one made end with it. A token issued before sessions existed ends with all the user's tokens.",
        },
      },
    )
    .post(
      "/signout/everywhere",
      async ({ ctx, set }) => {
        await signoutEverywhere(ctx);
        set.status = 204;
      },
      {
        body: t.Optional(t.Object({})),
        response: { 204: t.Void(), ...errorResponses },
        detail: {
          summary: "Sign out everywhere: end every token of the caller",
          description: "This one included, with every ticket and download token they made.",
        },
      },
    )
    .post(
      "/tickets",
      async ({ ctx, credential, set }) => {
        const ticket = await createTicket(ctx, credential);
        set.status = 201;
        return ticket;
      },
      {
        body: t.Optional(t.Object({})),
        response: { 201: Ticket, ...errorResponses },
        detail: {
          summary: "Make a ticket that opens one WebSocket or event stream",
          description:
            "Single-use, valid 60 seconds (never past the session token's own end): `GET /api/ws?ticket=` or `GET /api/events?ticket=`, so no URL carries the session token. A used, expired or unknown ticket is 401; a password change ends the tickets made before it.",
        },
      },
    )
    .get("/users", ({ ctx }) => listUsers(ctx), {
      response: { 200: t.Array(User), ...errorResponses },
      detail: { summary: "Every user of the caller's workspace" },
    });
