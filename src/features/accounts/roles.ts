// Who administers and moderates a workspace: its owner and its admins. Every check that asks
// this question (people's admin routes, deleting someone else's message) asks it here.
import type { User } from "./model.ts";

export const isAdmin = (user: User): boolean => user.role === "owner" || user.role === "admin";
