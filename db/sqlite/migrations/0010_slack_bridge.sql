CREATE TABLE `app_cursors` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`acked_event_id` integer DEFAULT 0 NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `bot_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`kind` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bot_tokens_user` ON `bot_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `slack_ids` (
	`workspace_id` integer NOT NULL,
	`kind` text NOT NULL,
	`slack_id` text NOT NULL,
	`target_id` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `kind`, `slack_id`)
);
--> statement-breakpoint
CREATE TABLE `slack_imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` integer,
	`created_by` integer,
	`status` text NOT NULL,
	`progress` text DEFAULT '{}' NOT NULL,
	`report` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` integer NOT NULL,
	`chat_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`created_by` integer NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_secret` ON `webhooks` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `webhooks_chat` ON `webhooks` (`chat_id`);--> statement-breakpoint
ALTER TABLE `messages` ADD `ts` integer;--> statement-breakpoint
-- Existing messages get their ts: their time in microseconds, messages of one chat in the same
-- millisecond told apart in id order.
UPDATE messages SET ts = numbered.ts FROM (SELECT id, created_at * 1000 + row_number() OVER (PARTITION BY chat_id, created_at ORDER BY id) - 1 AS ts FROM messages) AS numbered WHERE numbered.id = messages.id;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_chat_ts` ON `messages` (`chat_id`,`ts`);