import { DirectoryError } from './errors';
import type { Directory } from './ports';

/** People whose devices are read per user (`$batch`) at most; beyond, the tenant-wide sweep is cheaper. */
export const PER_USER_DEVICE_LIMIT = 2000;

const DEVICE_PERMISSION = 'DeviceManagementManagedDevices.Read.All';
export const DEVICES_FORBIDDEN = `devices could not be read: ${DEVICE_PERMISSION} is missing`;

/** A failure of the resolution the person is told about (a Graph refusal, a missing permission). */
export class ResolveFailure extends Error {}

const lower = (id: string): string => id.toLowerCase();

export const graphReason = (err: DirectoryError): string => {
  switch (err.kind) {
    case 'forbidden':
      return `${err.detail ?? 'a permission'} is missing`;
    case 'not-found':
      return 'not found';
    case 'throttled':
      return 'Microsoft Graph is throttling requests, try again in a few minutes';
    case 'unavailable':
      return 'Microsoft Graph did not answer, try again in a few minutes';
    case 'invalid':
      return err.message;
  }
};

/**
 * Managed devices of the audience's people, read one of two ways, chosen per resolution:
 *
 * - per user: each member page's new candidates (people who pass the other filters) in one
 *   `devicesOf` call (⌈k/20⌉ `$batch` requests for k people; listed members one call per 10),
 *   while at most PER_USER_DEVICE_LIMIT = 2,000 people have been looked up;
 * - the tenant-wide sweep: `allDevices` once (⌈D/page size⌉ requests for the tenant's D managed
 *   devices), kept as a map of user id → operating systems, and no `devicesOf` afterwards.
 *
 * The rule: sweep first when the stage's previous snapshot had more than 2,000 people; otherwise
 * start per user and sweep (once) when a page would take the lookups past 2,000. So an audience of
 * n ≤ 2,000 costs about ⌈n/20⌉ `$batch` requests (one `devicesOf` call per member page) and no
 * sweep; a first resolution of a larger one at most ~100 `$batch` requests plus one sweep; a
 * refresh of a larger one the sweep only. 2,000 people (100 `$batch` requests) cost about what a
 * sweep of 100,000 devices costs (100 pages of 1,000).
 *
 * A 403 leaves the devices unread (`of` gives null): the counts go without devices, unless a part
 * filters by platform, which then cannot be resolved (ResolveFailure).
 */
export class DeviceReader {
  private readonly known = new Map<string, string[]>();
  private swept = false;
  private looked = 0;
  unreadable = false;

  constructor(
    private readonly directory: Directory,
    private readonly tenantId: string,
    private readonly sweepFirst: boolean,
    private readonly filtersByPlatform: boolean,
  ) {}

  /** Makes the devices of these people known (lower-cased ids). */
  async prepare(ids: readonly string[]): Promise<void> {
    if (this.unreadable || this.swept || ids.length === 0) return;
    const missing = ids.filter((id) => !this.known.has(id));
    if (missing.length === 0) return;
    try {
      if (this.sweepFirst || this.looked + missing.length > PER_USER_DEVICE_LIMIT) {
        await this.sweep();
        return;
      }
      this.looked += missing.length;
      for (const id of missing) this.known.set(id, []);
      for (const device of await this.directory.devicesOf(this.tenantId, missing)) {
        this.known.get(lower(device.userId))?.push(device.operatingSystem);
      }
    } catch (err) {
      if (!(err instanceof DirectoryError)) throw err;
      if (err.kind !== 'forbidden')
        throw new ResolveFailure(`devices could not be read: ${graphReason(err)}`);
      if (this.filtersByPlatform) throw new ResolveFailure(DEVICES_FORBIDDEN);
      this.unreadable = true;
      this.known.clear();
    }
  }

  /** The operating systems of the person's managed devices; null when devices could not be read. */
  of(id: string): string[] | null {
    return this.unreadable ? null : (this.known.get(id) ?? []);
  }

  private async sweep(): Promise<void> {
    this.known.clear();
    for await (const page of this.directory.allDevices(this.tenantId)) {
      for (const device of page) {
        const id = lower(device.userId);
        const list = this.known.get(id);
        if (list) list.push(device.operatingSystem);
        else this.known.set(id, [device.operatingSystem]);
      }
    }
    this.swept = true;
  }
}
