import { ConnectorProcess } from '../../bench/connector-process';

const TENANT = 'tenant-cp';

describe('the bench connector in a process of its own', () => {
  let connector: ConnectorProcess | null = null;
  afterAll(async () => {
    await connector?.stop();
  });

  it('prints its url, knows the chats it is told, counts sends and answers its stats over IPC and /stats', async () => {
    connector = await ConnectorProcess.start({ tenantRps: 50, defaultTenant: TENANT });
    expect(connector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const id = connector.knowPersonal(TENANT, 'Person-1');
    await connector.flush();
    const sent = await fetch(`${connector.url}v3/conversations/${encodeURIComponent(id)}/activities`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'hello' }),
    });
    expect(sent.status).toBe(200);
    const stats = await connector.getStats();
    expect(stats).toMatchObject({ requests: 1, sends: 1, recipients: 1, recipientMessages: 1 });
    expect((await connector.recipientTallies()).get('person-1')).toMatchObject({ messages: 1 });
    const overHttp = (await (await fetch(`${connector.url}stats`)).json()) as { recipients: number };
    expect(overHttp.recipients).toBe(1);
    await connector.stop();
    await expect(fetch(`${connector.url}stats`)).rejects.toThrow();
    connector = null;
  });
});
