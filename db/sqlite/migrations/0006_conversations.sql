CREATE TABLE `file_removals` (
	`workspace_id` integer NOT NULL,
	`hash` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `hash`)
);
--> statement-breakpoint
CREATE TABLE `message_edits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` integer NOT NULL,
	`content` text NOT NULL,
	`replaced_at` integer NOT NULL,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_edits_message` ON `message_edits` (`message_id`,`id`);--> statement-breakpoint
CREATE TABLE `message_mentions` (
	`message_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`chat_id` integer NOT NULL,
	PRIMARY KEY(`message_id`, `user_id`),
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_mentions_user` ON `message_mentions` (`user_id`,`chat_id`,`message_id`);--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_id` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `reply_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `last_reply_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `edited_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `deleted` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `reactions` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `pin_event_id` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `mentions` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `mentions_all` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `attachments` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_thread` ON `messages` (`thread_id`,`id`) WHERE "messages"."thread_id" is not null;--> statement-breakpoint
CREATE INDEX `messages_pins` ON `messages` (`chat_id`,`pin_event_id`) WHERE "messages"."pin_event_id" is not null;--> statement-breakpoint
-- Hand-written: messages stored before v2 get their attachments from the files they carry, each
-- under its first upload's name (the name it was sent under was not recorded then).
UPDATE `messages` SET `attachments` = (
  SELECT json_group_array(json_object(
           'url', json_extract(`messages`.`files`, '$[' || mf.`position` || ']'),
           'name', coalesce((SELECT u.`name` FROM `uploads` u WHERE u.`file_id` = f.`id`
                              ORDER BY u.`id` LIMIT 1), ''),
           'size', f.`size`, 'type', f.`type`))
    FROM (SELECT * FROM `message_files` WHERE `message_id` = `messages`.`id`
           ORDER BY `position`) mf
    JOIN `files` f ON f.`workspace_id` = mf.`workspace_id` AND f.`hash` = mf.`hash`)
 WHERE `files` <> '[]';
