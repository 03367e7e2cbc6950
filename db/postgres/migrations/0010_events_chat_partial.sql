DROP INDEX "events_chat";--> statement-breakpoint
CREATE INDEX "events_chat" ON "events" USING btree ("chat_id","id") WHERE "events"."user_id" is null;