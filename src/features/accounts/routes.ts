import { Elysia, t } from "elysia";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { type AuthDeps, authenticated, issueToken, tokens } from "./auth.ts";
import { Invite, Me, Session, SigninBody, SignupBody, User } from "./model.ts";
import { createInvite, getMe, listUsers, signin, signup } from "./service.ts";

export const accountRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "accounts", prefix: "/api", detail: { tags: ["Accounts"] } })
    .use(tokens(deps))
    .post(
      "/signup",
      async ({ body, jwt, set }) => {
        const session = await signup(deps, body);
        set.status = 201;
        return { token: await issueToken(deps, jwt, session.user), ...session };
      },
      {
        body: SignupBody,
        response: { 201: Session, 403: ErrorBody, 409: ErrorBody, ...errorResponses },
        detail: {
          summary: "Create an account",
          description:
            "A new workspace name creates the workspace with you as owner; an existing one needs an `invite` code (403 without). A taken email is 409.",
          security: [],
        },
      },
    )
    .post(
      "/signin",
      async ({ body, jwt }) => {
        const session = await signin(deps, body);
        return { token: await issueToken(deps, jwt, session.user), ...session };
      },
      {
        body: SigninBody,
        response: { 200: Session, ...errorResponses },
        detail: {
          summary: "Sign in",
          description: "A wrong password and an unknown email give the same 401.",
          security: [],
        },
      },
    )
    .use(authenticated(deps))
    .get("/me", ({ user }) => getMe({ ...deps, user }), {
      response: { 200: Me, ...errorResponses },
      detail: { summary: "The caller and their workspace" },
    })
    .post(
      "/invites",
      async ({ user, set }) => {
        const invite = await createInvite({ ...deps, user });
        set.status = 201;
        return invite;
      },
      {
        body: t.Optional(t.Object({})),
        response: { 201: Invite, ...errorResponses },
        detail: {
          summary: "Make an invite code",
          description: "Valid for 7 days, any number of times, for the caller's workspace only.",
        },
      },
    )
    .get("/users", ({ user }) => listUsers({ ...deps, user }), {
      response: { 200: t.Array(User), ...errorResponses },
      detail: { summary: "Every user of the caller's workspace" },
    });
