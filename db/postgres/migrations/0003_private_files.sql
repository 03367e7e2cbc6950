CREATE TABLE "message_files" (
	"message_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"workspace_id" integer NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "message_files_message_id_position_pk" PRIMARY KEY("message_id","position")
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"token_version" integer NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "message_files" ADD CONSTRAINT "message_files_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_files_file" ON "message_files" USING btree ("workspace_id","hash");--> statement-breakpoint
-- Hand-written: index the files of the messages stored before this table existed. A file URL is
-- /api/files/{workspace}/{aa}/{bb}/{sha-256}.{ext}, and its only dot comes after the hash.
INSERT INTO "message_files" ("message_id", "position", "workspace_id", "hash")
SELECT m."id", j.ord - 1, c."workspace_id", substr(j.url, strpos(j.url, '.') - 64, 64)
  FROM "messages" m JOIN "chats" c ON c."id" = m."chat_id",
       jsonb_array_elements_text(m."files"::jsonb) WITH ORDINALITY AS j(url, ord)
 WHERE m."files" <> '[]';
