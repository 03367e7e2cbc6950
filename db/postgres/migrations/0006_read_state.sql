ALTER TABLE "chat_members" ADD COLUMN "last_read_message_id" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "notify" text;--> statement-breakpoint
CREATE INDEX "messages_mentions_all" ON "messages" USING btree ("chat_id","id") WHERE "messages"."mentions_all" = 1;--> statement-breakpoint
-- Existing members start read up to the last message: an upgrade marks nothing unread.
UPDATE chat_members SET last_read_message_id = coalesce((SELECT last_message_id FROM chats WHERE chats.id = chat_members.chat_id), 0) WHERE until_event_id IS NULL;
