// Every scenario, by the name that picks it on the command line, in the order a run takes them
// and the report lists them. A new scenario is a file in this folder and one line here.
import type { Scenario } from "../scenario.ts";
import { cluster } from "./cluster.ts";
import { connections } from "./connections.ts";
import { conversation } from "./conversation.ts";
import { durable } from "./durable.ts";
import { fanout } from "./fanout.ts";
import { history } from "./history.ts";
import { manyChats } from "./many-chats.ts";
import { search } from "./search.ts";
import { slowConsumers } from "./slow-consumers.ts";
import { webhooks } from "./webhooks.ts";

export const scenarios: Record<string, Scenario> = {
  fanout,
  durable,
  history,
  connections,
  "many-chats": manyChats,
  "slow-consumers": slowConsumers,
  cluster,
  conversation,
  search,
  webhooks,
};
