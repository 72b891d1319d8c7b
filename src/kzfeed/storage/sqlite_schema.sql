-- kzfeed's SQLite schema: what its migrations make of an empty database, up to the revision below.
-- Written by scripts/sqlite_schema.py (run it after adding a migration); checked by
-- tests/test_fresh_schema.py. kzfeed.storage._fresh makes new SQLite databases from it.
-- revision: story_members
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE http_cache (
	url TEXT NOT NULL, 
	etag TEXT, 
	last_modified TEXT, 
	expires DATETIME, 
	retry_after DATETIME, 
	last_status INTEGER, 
	CONSTRAINT pk_http_cache PRIMARY KEY (url)
);
CREATE TABLE items (
	id VARCHAR(36) NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	guid TEXT NOT NULL, 
	url TEXT, 
	canonical_url TEXT, 
	title TEXT NOT NULL, 
	author TEXT, 
	outlet TEXT, 
	published DATETIME, 
	updated DATETIME, 
	lang VARCHAR(16), 
	summary TEXT, 
	content_text TEXT NOT NULL, 
	content_html TEXT NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	categories TEXT DEFAULT '[]' NOT NULL, 
	image TEXT, 
	simhash BIGINT, 
	story_id VARCHAR(36), 
	first_seen DATETIME NOT NULL, 
	fetched_at DATETIME NOT NULL, 
	relevant BOOLEAN DEFAULT '0' NOT NULL, 
	relevance FLOAT DEFAULT '0' NOT NULL, 
	reason TEXT DEFAULT '' NOT NULL, 
	classifier VARCHAR(64) DEFAULT '' NOT NULL, 
	relevance_evidence TEXT DEFAULT '[]' NOT NULL, 
	CONSTRAINT pk_items PRIMARY KEY (id), 
	CONSTRAINT uq_items_canonical_url UNIQUE (canonical_url), 
	CONSTRAINT uq_items_source_guid UNIQUE (source, guid)
);
CREATE TABLE runs (
	id INTEGER NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	status VARCHAR(16) NOT NULL, 
	worker VARCHAR(128) DEFAULT '' NOT NULL, 
	new INTEGER DEFAULT '0' NOT NULL, 
	updated INTEGER DEFAULT '0' NOT NULL, 
	unchanged INTEGER DEFAULT '0' NOT NULL, 
	failed INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_runs PRIMARY KEY (id)
);
CREATE TABLE item_entities (
	item_id VARCHAR(36) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	mentions INTEGER DEFAULT '1' NOT NULL, 
	CONSTRAINT pk_item_entities PRIMARY KEY (item_id, name), 
	CONSTRAINT fk_item_entities_item_id_items FOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE
);
CREATE TABLE item_topics (
	item_id VARCHAR(36) NOT NULL, 
	topic VARCHAR(64) NOT NULL, 
	score FLOAT NOT NULL, 
	evidence TEXT DEFAULT '[]' NOT NULL, 
	CONSTRAINT pk_item_topics PRIMARY KEY (item_id, topic), 
	CONSTRAINT fk_item_topics_item_id_items FOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE
);
CREATE TABLE run_sources (
	run_id INTEGER NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	http_status INTEGER, 
	new INTEGER DEFAULT '0' NOT NULL, 
	updated INTEGER DEFAULT '0' NOT NULL, 
	unchanged INTEGER DEFAULT '0' NOT NULL, 
	failed INTEGER DEFAULT '0' NOT NULL, 
	duration_ms INTEGER DEFAULT '0' NOT NULL, 
	error TEXT, 
	warnings TEXT DEFAULT '[]' NOT NULL, error_kind VARCHAR(16), error_url TEXT, error_at DATETIME, 
	CONSTRAINT pk_run_sources PRIMARY KEY (run_id, source), 
	CONSTRAINT fk_run_sources_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE
);
CREATE VIRTUAL TABLE items_fts USING fts5(item_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE items_fts_keys (fts_rowid INTEGER PRIMARY KEY, item_id TEXT NOT NULL UNIQUE);
CREATE TABLE "sources" (
	name VARCHAR(64) NOT NULL, 
	due_at DATETIME, 
	type VARCHAR(64) NOT NULL, 
	config_hash VARCHAR(64) DEFAULT ('') NOT NULL, 
	url TEXT, 
	etag TEXT, 
	last_modified TEXT, 
	last_attempt DATETIME, 
	last_ok DATETIME, 
	last_status INTEGER, 
	last_error TEXT, 
	items_last_run INTEGER DEFAULT '0' NOT NULL, 
	consecutive_failures INTEGER DEFAULT '0' NOT NULL, 
	next_due DATETIME, 
	paused BOOLEAN DEFAULT '0' NOT NULL, 
	paused_reason TEXT, 
	cursor TEXT DEFAULT '{}' NOT NULL, 
	lease_owner VARCHAR(128), 
	lease_expires DATETIME, 
	CONSTRAINT pk_sources PRIMARY KEY (name)
);
CREATE TABLE workers (
	name VARCHAR(128) NOT NULL, 
	host VARCHAR(255) DEFAULT '' NOT NULL, 
	pid INTEGER DEFAULT '0' NOT NULL, 
	started_at DATETIME NOT NULL, 
	heartbeat_at DATETIME NOT NULL, 
	CONSTRAINT pk_workers PRIMARY KEY (name)
);
CREATE TABLE host_gates (
	host VARCHAR(255) NOT NULL, 
	next_start DATETIME, 
	CONSTRAINT pk_host_gates PRIMARY KEY (host)
);
CREATE TABLE host_turns (
	id INTEGER NOT NULL, 
	host VARCHAR(255) NOT NULL, 
	holder VARCHAR(128) DEFAULT '' NOT NULL, 
	until DATETIME NOT NULL, 
	CONSTRAINT pk_host_turns PRIMARY KEY (id)
);
CREATE TABLE robots_txt (
	origin VARCHAR(300) NOT NULL, 
	fetched_at DATETIME NOT NULL, 
	status INTEGER NOT NULL, 
	body TEXT DEFAULT '' NOT NULL, 
	CONSTRAINT pk_robots_txt PRIMARY KEY (origin)
);
CREATE TABLE render_state (
	id INTEGER NOT NULL, 
	dirty BOOLEAN DEFAULT '0' NOT NULL, 
	rendered_at DATETIME, 
	rendered_by VARCHAR(128), inputs VARCHAR(64), 
	CONSTRAINT pk_render_state PRIMARY KEY (id)
);
CREATE TABLE stories (
	id VARCHAR(36) NOT NULL, 
	arrived DATETIME NOT NULL, 
	date DATETIME NOT NULL, 
	latest DATETIME NOT NULL, 
	reports INTEGER NOT NULL, 
	CONSTRAINT pk_stories PRIMARY KEY (id)
);
CREATE TABLE story_topics (
	story_id VARCHAR(36) NOT NULL, 
	topic VARCHAR(64) NOT NULL, 
	arrived DATETIME NOT NULL, 
	date DATETIME NOT NULL, 
	CONSTRAINT pk_story_topics PRIMARY KEY (story_id, topic), 
	CONSTRAINT fk_story_topics_story_id_stories FOREIGN KEY(story_id) REFERENCES stories (id) ON DELETE CASCADE
);
CREATE TABLE renders (
	output_dir TEXT NOT NULL, 
	started DATETIME NOT NULL, 
	renderer VARCHAR(32) NOT NULL, 
	CONSTRAINT pk_renders PRIMARY KEY (output_dir)
);
CREATE TABLE story_signals (
	item_id VARCHAR(36) NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	version VARCHAR(32) NOT NULL, 
	signals TEXT NOT NULL, 
	CONSTRAINT pk_story_signals PRIMARY KEY (item_id), 
	CONSTRAINT fk_story_signals_item_id_items FOREIGN KEY(item_id) REFERENCES items (id) ON DELETE CASCADE
);
CREATE TABLE story_counts (
	feed VARCHAR(64) NOT NULL, 
	arrived DATETIME NOT NULL, 
	date DATETIME NOT NULL, 
	story_id VARCHAR(36) NOT NULL, 
	stories INTEGER NOT NULL, 
	CONSTRAINT pk_story_counts PRIMARY KEY (feed)
);
CREATE TABLE story_count_changes (
	feed VARCHAR(64) NOT NULL, 
	delta INTEGER NOT NULL
);
CREATE INDEX ix_items_relevant_published ON items (relevant, published);
CREATE INDEX ix_item_entities_name ON item_entities (name);
CREATE INDEX ix_item_topics_topic ON item_topics (topic);
CREATE INDEX ix_items_content_hash ON items (content_hash);
CREATE INDEX ix_items_guid ON items (guid);
CREATE INDEX ix_items_published ON items (published);
CREATE INDEX ix_items_first_seen ON items (first_seen);
CREATE INDEX ix_sources_due_at ON sources (due_at);
CREATE INDEX ix_host_turns_host ON host_turns (host);
CREATE INDEX ix_stories_arrived_date_id ON stories (arrived, date, id);
CREATE INDEX ix_stories_date_id ON stories (date, id);
CREATE INDEX ix_stories_latest ON stories (latest);
CREATE INDEX ix_story_topics_topic_arrived_date_story_id ON story_topics (topic, arrived, date, story_id);
CREATE INDEX ix_items_fetched_at ON items (fetched_at);
CREATE INDEX ix_runs_status ON runs (status);
CREATE INDEX ix_items_relevant_date ON items (relevant, coalesce(updated, published, first_seen) DESC, id);
CREATE INDEX ix_items_date ON items (coalesce(updated, published, first_seen) DESC, id);
CREATE INDEX ix_story_count_changes_feed ON story_count_changes (feed);
CREATE INDEX ix_items_story_members ON items (story_id, relevant, id, first_seen, published, updated);
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN DELETE FROM items_fts WHERE rowid = (SELECT k.fts_rowid FROM items_fts_keys AS k WHERE k.item_id = old.id); DELETE FROM items_fts_keys WHERE item_id = old.id; END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF title, content_text ON items BEGIN DELETE FROM items_fts WHERE rowid = (SELECT k.fts_rowid FROM items_fts_keys AS k WHERE k.item_id = old.id); INSERT INTO items_fts (rowid, item_id, title, body) VALUES ((SELECT k.fts_rowid FROM items_fts_keys AS k WHERE k.item_id = new.id), new.id, new.title, new.content_text); END;
CREATE TRIGGER stories_counted_insert AFTER INSERT ON stories BEGIN INSERT INTO story_count_changes (feed, delta) SELECT c.feed, 1 FROM story_counts AS c WHERE c.feed = '' AND (new.arrived, new.date, new.id) <= (c.arrived, c.date, c.story_id); END;
CREATE TRIGGER stories_counted_delete AFTER DELETE ON stories BEGIN INSERT INTO story_count_changes (feed, delta) SELECT c.feed, -1 FROM story_counts AS c WHERE c.feed = '' AND (old.arrived, old.date, old.id) <= (c.arrived, c.date, c.story_id); END;
CREATE TRIGGER stories_counted_update AFTER UPDATE OF id, arrived, date ON stories BEGIN INSERT INTO story_count_changes (feed, delta) SELECT c.feed, -1 FROM story_counts AS c WHERE c.feed = '' AND (old.arrived, old.date, old.id) <= (c.arrived, c.date, c.story_id); INSERT INTO story_count_changes (feed, delta) SELECT c.feed, 1 FROM story_counts AS c WHERE c.feed = '' AND (new.arrived, new.date, new.id) <= (c.arrived, c.date, c.story_id); END;
CREATE TRIGGER story_topics_counted_insert AFTER INSERT ON story_topics BEGIN INSERT INTO story_count_changes (feed, delta) SELECT c.feed, 1 FROM story_counts AS c WHERE c.feed = new.topic AND (new.arrived, new.date, new.story_id) <= (c.arrived, c.date, c.story_id); END;
CREATE TRIGGER story_topics_counted_delete AFTER DELETE ON story_topics BEGIN INSERT INTO story_count_changes (feed, delta) SELECT c.feed, -1 FROM story_counts AS c WHERE c.feed = old.topic AND (old.arrived, old.date, old.story_id) <= (c.arrived, c.date, c.story_id); END;
CREATE TRIGGER story_topics_counted_update AFTER UPDATE OF story_id, arrived, date, topic ON story_topics BEGIN INSERT INTO story_count_changes (feed, delta) SELECT c.feed, -1 FROM story_counts AS c WHERE c.feed = old.topic AND (old.arrived, old.date, old.story_id) <= (c.arrived, c.date, c.story_id); INSERT INTO story_count_changes (feed, delta) SELECT c.feed, 1 FROM story_counts AS c WHERE c.feed = new.topic AND (new.arrived, new.date, new.story_id) <= (c.arrived, c.date, c.story_id); END;
