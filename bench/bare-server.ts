import type { AddressInfo } from 'node:net';
import {
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
} from 'botbuilder';
import restify, { type Request, type Response } from 'restify';
import { CARD_TYPE } from './http-load';

/** What a baseline does with an invoke before it answers with the fixed card. */
export type BaselineLogic = (activity: Activity) => Promise<void>;

export interface BareServer {
  url: string;
  close(): Promise<void>;
}

/** The small fixed card every baseline answers with. */
const THANKS_CARD = {
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body: [{ type: 'TextBlock', text: 'Thanks! Your feedback was saved.', wrap: true }],
};

/**
 * A bot with nothing of the product in it: restify with the same body parser, a CloudAdapter in
 * anonymous mode (no app id, as the product runs here), and `logic` before a fixed invoke response.
 */
export const startBareServer = async (logic: BaselineLogic): Promise<BareServer> => {
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: '',
      MicrosoftAppPassword: '',
      MicrosoftAppType: 'MultiTenant',
      MicrosoftAppTenantId: '',
    }),
  );
  const server = restify.createServer({ name: 'bench-baseline', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 512 * 1024, mapParams: false }));
  server.post('/api/messages', async (req: Request, res: Response) => {
    await adapter.process(req, res, async (context) => {
      let body: unknown = { statusCode: 200, type: CARD_TYPE, value: THANKS_CARD };
      try {
        await logic(context.activity);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        body = {
          statusCode: 500,
          type: 'application/vnd.microsoft.error',
          value: { code: 'Error', message },
        };
      }
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
      server.server.closeAllConnections();
      await closed;
    },
  };
};
