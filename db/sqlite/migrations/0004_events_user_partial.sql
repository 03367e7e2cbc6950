DROP INDEX `events_user`;--> statement-breakpoint
CREATE INDEX `events_user` ON `events` (`user_id`,`id`) WHERE "events"."user_id" is not null;