CREATE TABLE `message_files` (
	`message_id` integer NOT NULL,
	`position` integer NOT NULL,
	`workspace_id` integer NOT NULL,
	`hash` text NOT NULL,
	PRIMARY KEY(`message_id`, `position`),
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_files_file` ON `message_files` (`workspace_id`,`hash`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`token_version` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Hand-written: index the files of the messages stored before this table existed. A file URL is
-- /api/files/{workspace}/{aa}/{bb}/{sha-256}.{ext}, and its only dot comes after the hash.
INSERT INTO `message_files` (`message_id`, `position`, `workspace_id`, `hash`)
SELECT m.`id`, j.`key`, c.`workspace_id`, substr(j.`value`, instr(j.`value`, '.') - 64, 64)
  FROM `messages` m JOIN `chats` c ON c.`id` = m.`chat_id`, json_each(m.`files`) j
 WHERE m.`files` <> '[]';
