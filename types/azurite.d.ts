/**
 * The few Azurite modules the project loads directly. `require('azurite')` itself fails (it wants
 * `vscode`), so the table and queue servers are loaded from their compiled files, which ship
 * without types. Only the members we use are declared (see node_modules/azurite/dist/src/table/*.js
 * and queue/*.js).
 */
declare module 'azurite/dist/src/table/TableConfiguration' {
  export default class TableConfiguration {
    constructor(
      host?: string,
      port?: number,
      keepAliveTimeout?: number,
      /** The LokiJS database file (a name only when `isMemoryPersistence`). */
      metadataDBPath?: string,
      enableDebugLog?: boolean,
      /** Prints one line per request on stdout. */
      enableAccessLog?: boolean,
      accessLogWriteStream?: NodeJS.WritableStream,
      debugLogFilePath?: string,
      loose?: boolean,
      skipApiVersionCheck?: boolean,
      cert?: string,
      key?: string,
      pwd?: string,
      oauth?: string,
      disableProductStyleUrl?: boolean,
      isMemoryPersistence?: boolean,
    );
    readonly host: string;
    readonly port: number;
    readonly metadataDBPath: string;
    readonly isMemoryPersistence: boolean;
  }
}

declare module 'azurite/dist/src/table/TableServer' {
  import type TableConfiguration from 'azurite/dist/src/table/TableConfiguration';

  export default class TableServer {
    constructor(configuration?: TableConfiguration);
    /** Loads the database, then listens. */
    start(): Promise<void>;
    /** Stops listening and closes the database (LokiJS saves it to disk first). */
    close(): Promise<void>;
    /** 'Closed' | 'Starting' | 'Running' | 'Closing' */
    getStatus(): string;
    /** e.g. `http://127.0.0.1:51234` (the real port when started on port 0); '' before listening. */
    getHttpServerAddress(): string;
  }
}

declare module 'azurite/dist/src/queue/QueueConfiguration' {
  /** Where the queue's extent files (the message texts) go. */
  export interface QueuePersistenceLocation {
    locationId: string;
    locationPath: string;
    maxConcurrency: number;
  }

  export default class QueueConfiguration {
    constructor(
      host?: string,
      port?: number,
      keepAliveTimeout?: number,
      /** The LokiJS database of queues and messages. */
      metadataDBPath?: string,
      /** The LokiJS database indexing the extent files. */
      extentDBPath?: string,
      persistencePathArray?: QueuePersistenceLocation[],
      /** Prints one line per request on stdout. */
      enableAccessLog?: boolean,
      accessLogWriteStream?: NodeJS.WritableStream,
      enableDebugLog?: boolean,
      debugLogFilePath?: string,
      loose?: boolean,
      skipApiVersionCheck?: boolean,
      cert?: string,
      key?: string,
      pwd?: string,
      oauth?: string,
      disableProductStyleUrl?: boolean,
      isMemoryPersistence?: boolean,
    );
    readonly host: string;
    readonly port: number;
  }
}

declare module 'azurite/dist/src/queue/QueueServer' {
  import type QueueConfiguration from 'azurite/dist/src/queue/QueueConfiguration';

  export default class QueueServer {
    constructor(configuration?: QueueConfiguration);
    /** Loads the databases, then listens. */
    start(): Promise<void>;
    /** Stops listening and closes the databases (LokiJS saves them to disk first). */
    close(): Promise<void>;
    /** 'Closed' | 'Starting' | 'Running' | 'Closing' */
    getStatus(): string;
    getHttpServerAddress(): string;
  }
}
