CREATE TABLE "sync_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"destination_id" text NOT NULL,
	"kind" text NOT NULL,
	"state" text DEFAULT 'running' NOT NULL,
	"summary" text NOT NULL,
	"config_version" integer NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"evaluated" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"percent_complete" integer DEFAULT 0 NOT NULL,
	"error_summary" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "destination_changes" ADD COLUMN "run_id" text;--> statement-breakpoint
ALTER TABLE "destination_changes" ADD COLUMN "retry_export_id" bigint;--> statement-breakpoint
ALTER TABLE "destination_changes" ADD COLUMN "retry_mode" text;--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "paused" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "run_id" text;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "retryable" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "auto_retries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sync_runs_dest_idx" ON "sync_runs" USING btree ("destination_id","started_at");--> statement-breakpoint
CREATE INDEX "destination_changes_run_idx" ON "destination_changes" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "exports_run_idx" ON "exports" USING btree ("run_id");