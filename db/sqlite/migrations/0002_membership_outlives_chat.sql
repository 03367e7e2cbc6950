PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_chat_members` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`chat_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`since_event_id` integer NOT NULL,
	`until_event_id` integer,
	`joined_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_chat_members`("id", "chat_id", "user_id", "since_event_id", "until_event_id", "joined_at") SELECT "id", "chat_id", "user_id", "since_event_id", "until_event_id", "joined_at" FROM `chat_members`;--> statement-breakpoint
DROP TABLE `chat_members`;--> statement-breakpoint
ALTER TABLE `__new_chat_members` RENAME TO `chat_members`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `chat_members_current` ON `chat_members` (`chat_id`,`user_id`) WHERE "chat_members"."until_event_id" is null;--> statement-breakpoint
CREATE INDEX `chat_members_user` ON `chat_members` (`user_id`,`until_event_id`);