CREATE TABLE "apps" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "destination_changes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "destination_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"destination_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "destination_profiles" (
	"destination_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"baseline_export_id" bigint NOT NULL,
	"present" boolean NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "destination_profiles_destination_id_profile_id_pk" PRIMARY KEY("destination_id","profile_id")
);
--> statement-breakpoint
CREATE TABLE "destinations" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"app_id" text NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"collection" text DEFAULT 'none' NOT NULL,
	"group_id" text,
	"mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"group_mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sync_mode" text DEFAULT 'sync' NOT NULL,
	"config_version" integer DEFAULT 1 NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "exports" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "exports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"destination_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"config_version" integer NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"to_delete" boolean DEFAULT false NOT NULL,
	"has_changes" boolean DEFAULT true NOT NULL,
	"force" boolean DEFAULT false NOT NULL,
	"old_properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"new_properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"old_groups" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"new_groups" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error_message" text,
	"error_level" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"send_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group_id" text NOT NULL,
	"profile_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_members_group_id_profile_id_pk" PRIMARY KEY("group_id","profile_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text DEFAULT 'rules' NOT NULL,
	"match_type" text DEFAULT 'all' NOT NULL,
	"rules" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"id" text PRIMARY KEY NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "properties" (
	"key" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"unique" boolean DEFAULT false NOT NULL,
	"is_array" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "destination_changes" ADD CONSTRAINT "destination_changes_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "destination_profiles" ADD CONSTRAINT "destination_profiles_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "destinations" ADD CONSTRAINT "destinations_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "destinations" ADD CONSTRAINT "destinations_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exports" ADD CONSTRAINT "exports_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "destination_changes_dest_idx" ON "destination_changes" USING btree ("destination_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "destination_profiles_baseline_idx" ON "destination_profiles" USING btree ("baseline_export_id");--> statement-breakpoint
CREATE INDEX "destinations_group_idx" ON "destinations" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "exports_dest_profile_idx" ON "exports" USING btree ("destination_id","profile_id","id");--> statement-breakpoint
CREATE INDEX "exports_dest_state_idx" ON "exports" USING btree ("destination_id","state");--> statement-breakpoint
CREATE INDEX "exports_profile_idx" ON "exports" USING btree ("profile_id");--> statement-breakpoint
CREATE INDEX "exports_open_idx" ON "exports" USING btree ("destination_id","profile_id") WHERE state in ('pending', 'processing');--> statement-breakpoint
CREATE INDEX "group_members_profile_idx" ON "group_members" USING btree ("profile_id");--> statement-breakpoint
CREATE INDEX "profiles_properties_gin" ON "profiles" USING gin ("properties");