-- The reference table of the Oracle store (PIPELINE_BACKEND=oracle). `npm run db:init` applies
-- this file statement by statement and skips objects that already exist.
--
-- Text sizes are MAX_LENGTH in src/domain/pipeline-info.ts, in characters, which is what
-- POST /pipelines validates. UTC instants are TIMESTAMP(9) WITH TIME ZONE, written and read at
-- +00:00 with all nine fraction digits. Local wall-clock times carry no zone and are returned
-- exactly as they came in, so they are kept as text. Oracle stores '' as NULL: the text columns
-- a client may send empty are nullable, and the service reads NULL back as "".
CREATE TABLE PIPELINE_RUNS (
  ID              NUMBER(19) GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  START_LOCAL     VARCHAR2(32 CHAR) NOT NULL,
  END_LOCAL       VARCHAR2(32 CHAR) NOT NULL,
  START_UTC       TIMESTAMP(9) WITH TIME ZONE NOT NULL,
  END_UTC         TIMESTAMP(9) WITH TIME ZONE NOT NULL,
  ELAPSED_SECONDS NUMBER NOT NULL,
  ELAPSED_HUMAN   VARCHAR2(256 CHAR),
  OUTPUT_FILE     VARCHAR2(1024 CHAR),
  ROWCOUNT        NUMBER(19) NOT NULL,
  LOG_FILE        VARCHAR2(1024 CHAR),
  PID             NUMBER(19) NOT NULL,
  DATE_CODE       VARCHAR2(64 CHAR),
  PIPELINE_NAME   VARCHAR2(255 CHAR),
  SCRIPT_NAME     VARCHAR2(255 CHAR),
  PIPELINE_TYPE   VARCHAR2(100 CHAR),
  ENVIRONMENT     VARCHAR2(50 CHAR),
  CREATED_AT      TIMESTAMP WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL
);

-- Lists read newest first with the identity as tie-breaker, and filter on the start.
CREATE INDEX PIPELINE_RUNS_START_IX ON PIPELINE_RUNS (START_UTC, ID);

-- The dashboard's usual question: one pipeline's recent runs.
CREATE INDEX PIPELINE_RUNS_NAME_START_IX ON PIPELINE_RUNS (PIPELINE_NAME, START_UTC);

CREATE INDEX PIPELINE_RUNS_ENV_IX ON PIPELINE_RUNS (ENVIRONMENT);

CREATE INDEX PIPELINE_RUNS_DATE_CODE_IX ON PIPELINE_RUNS (DATE_CODE);

-- Retention removes runs that ended before a cutoff, in batches (docs/retention.md).
CREATE INDEX PIPELINE_RUNS_END_IX ON PIPELINE_RUNS (END_UTC);

-- A run's identity, (PIPELINE_NAME, DATE_CODE, START_UTC, PID): a retried report is stored once,
-- also when two replicas store it at the same moment (the loser gets ORA-00001, reads the identity
-- again and answers "existing" or "conflict"). The instant and PID lead: never NULL, and the
-- identity lookup's access path. On a TIMESTAMP WITH TIME ZONE column Oracle refuses a UNIQUE
-- constraint (ORA-02329) but builds a unique index on SYS_EXTRACT_UTC(START_UTC), so equal
-- instants collide whatever their offset. A composite unique index treats NULLs in the same
-- columns as equal when the other values are equal: a NULL name or date code is a value of its
-- own, as in the identity. On a table that already holds an identity twice, creating it fails
-- with ORA-01452 (README, "The table", shows how to find the duplicates).
CREATE UNIQUE INDEX PIPELINE_RUNS_IDENTITY_UX ON PIPELINE_RUNS (START_UTC, PID, PIPELINE_NAME, DATE_CODE);
