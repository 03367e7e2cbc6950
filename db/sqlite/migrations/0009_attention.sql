ALTER TABLE `chat_members` ADD `last_read_message_id` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `chat_members` ADD `notify` text;--> statement-breakpoint
CREATE INDEX `messages_mentions_all` ON `messages` (`chat_id`,`id`) WHERE "messages"."mentions_all" = 1;--> statement-breakpoint
-- Existing members start read up to the last message: an upgrade marks nothing unread.
UPDATE chat_members SET last_read_message_id = coalesce((SELECT last_message_id FROM chats WHERE chats.id = chat_members.chat_id), 0) WHERE until_event_id IS NULL;--> statement-breakpoint
CREATE TABLE `push_queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subscription_id` integer NOT NULL,
	`payload` text NOT NULL,
	`due_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_until` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `push_subscriptions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `push_queue_due` ON `push_queue` (`due_at`);--> statement-breakpoint
CREATE TABLE `push_subscriptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`endpoint` text NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_subscriptions_endpoint` ON `push_subscriptions` (`endpoint`);--> statement-breakpoint
CREATE INDEX `push_subscriptions_user` ON `push_subscriptions` (`user_id`,`created_at`);