import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import type {
  Command,
  CreateProfileRequest,
  Device,
  DeviceFolder,
  DevicePage,
  DeviceSettingsResponse,
  FolderPage,
  LoginResponse,
  Profile,
} from '@openums/protocol';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the tests through playwright.config.ts (global setup starts the server)`);
  return value;
}

export const admin = {
  get username() {
    return env('E2E_ADMIN_USER');
  },
  get password() {
    return env('E2E_ADMIN_PASSWORD');
  },
};

/** REST calls with a bearer token, the way automation uses the API. */
export class ApiClient {
  constructor(
    private readonly request: APIRequestContext,
    private readonly token: string,
  ) {}

  static async login(request: APIRequestContext): Promise<ApiClient> {
    const res = await request.post('/api/v1/auth/login', { data: { username: admin.username, password: admin.password } });
    expect(res.status(), await res.text()).toBe(200);
    const body = (await res.json()) as LoginResponse;
    return new ApiClient(request, body.token);
  }

  private get headers() {
    return { Authorization: `Bearer ${this.token}` };
  }

  /** Puts an installation-wide setting back to its default (specs share one server). */
  async resetNaming(): Promise<void> {
    // DEFAULT_NAMING_SETTINGS of the protocol (types only are imported into the specs).
    const data = {
      enabled: false,
      prefix: 'ITC',
      digits: 4,
      identifier: 'mac',
      adjustNetworkName: false,
      adjustNameFromNetworkName: false,
    };
    const res = await this.request.put('/api/v1/settings/naming', { data, headers: this.headers });
    expect(res.status(), await res.text()).toBe(200);
  }

  async createDevice(body: { mac: string; name?: string; folderId?: number | null }): Promise<Device> {
    const res = await this.request.post('/api/v1/devices', { data: body, headers: this.headers });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()) as Device;
  }

  async createFolder(name: string, parentId: number | null = null): Promise<DeviceFolder> {
    const res = await this.request.post('/api/v1/device-folders', { data: { name, parentId }, headers: this.headers });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()) as DeviceFolder;
  }

  async getDevice(id: number): Promise<{ status: number; device?: Device }> {
    const res = await this.request.get(`/api/v1/devices/${id}`, { headers: this.headers });
    return { status: res.status(), device: res.ok() ? ((await res.json()) as Device) : undefined };
  }

  async devicesInFolder(folderId: number): Promise<Device[]> {
    const res = await this.request.get(`/api/v1/devices?folderId=${folderId}&limit=1000`, { headers: this.headers });
    expect(res.status(), await res.text()).toBe(200);
    return ((await res.json()) as DevicePage).items;
  }

  async serverInfo(): Promise<{ webCaFingerprint: string | null; version: string }> {
    const res = await this.request.get('/api/v1/server', { headers: this.headers });
    expect(res.status(), await res.text()).toBe(200);
    return (await res.json()) as { webCaFingerprint: string | null; version: string };
  }

  async deviceCommands(deviceId: number): Promise<Command[]> {
    const res = await this.request.get(`/api/v1/devices/${deviceId}/commands`, { headers: this.headers });
    expect(res.status(), await res.text()).toBe(200);
    return ((await res.json()) as { items: Command[] }).items;
  }

  async childFolders(parentId: number | 'root'): Promise<DeviceFolder[]> {
    const res = await this.request.get(`/api/v1/device-folders?parentId=${parentId}&limit=1000`, { headers: this.headers });
    expect(res.status(), await res.text()).toBe(200);
    return ((await res.json()) as FolderPage).items;
  }

  async createProfile(body: CreateProfileRequest): Promise<Profile> {
    const res = await this.request.post('/api/v1/profiles', { data: body, headers: this.headers });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()) as Profile;
  }

  async assignProfile(
    id: number,
    targets: { type: 'device' | 'folder'; id: number }[],
    apply: 'now' | 'next-reboot' = 'now',
  ): Promise<void> {
    const res = await this.request.post(`/api/v1/profiles/${id}/assignments`, { data: { targets, apply }, headers: this.headers });
    expect(res.status(), await res.text()).toBe(200);
  }

  async deviceSettings(deviceId: number): Promise<DeviceSettingsResponse> {
    const res = await this.request.get(`/api/v1/devices/${deviceId}/settings`, { headers: this.headers });
    expect(res.status(), await res.text()).toBe(200);
    return (await res.json()) as DeviceSettingsResponse;
  }

  async profilesNamed(prefix: string): Promise<Profile[]> {
    const res = await this.request.get(`/api/v1/profiles?q=${encodeURIComponent(prefix)}&limit=1000`, { headers: this.headers });
    expect(res.status(), await res.text()).toBe(200);
    return ((await res.json()) as { items: Profile[] }).items;
  }

  /** A scheduled job (body as in docs/jobs.md); answers the stored job. */
  async createJob(body: Record<string, unknown>): Promise<{ id: number; name: string; folderId: number | null }> {
    const res = await this.request.post('/api/v1/jobs', { data: body, headers: this.headers });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()) as { id: number; name: string; folderId: number | null };
  }

  async folderByName(parentId: number | 'root', name: string): Promise<DeviceFolder> {
    const folder = (await this.childFolders(parentId)).find((f) => f.name === name);
    if (!folder) throw new Error(`folder "${name}" not found under ${parentId}`);
    return folder;
  }
}

export const test = base.extend<{ api: ApiClient }>({
  baseURL: async ({}, use) => {
    await use(env('E2E_BASE_URL'));
  },
  // Any uncaught exception or console error of the app (React warnings included) fails the test.
  // The browser's own "Failed to load resource" lines for expected 4xx answers are not app errors.
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console: ${msg.text()}`);
    });
    await use(page);
    expect(problems, 'browser errors').toEqual([]);
  },
  api: async ({ request }, use) => {
    await use(await ApiClient.login(request));
  },
});

export { expect };

/** Signs in through the login page as the administrator. */
export async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await page.getByRole('textbox', { name: 'User name' }).fill(admin.username);
  await page.getByRole('textbox', { name: 'Password' }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The dashboard is the landing page.
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png` });
}

/** A unique suffix so reruns against the same data never collide. */
export function uniqueSuffix(): string {
  return Date.now().toString(36).slice(-5) + Math.floor(Math.random() * 1296).toString(36);
}

/** 12 hex digits, random enough not to collide with other tests. */
export function randomMac(): string {
  const bytes = [0x02, ...Array.from({ length: 5 }, () => Math.floor(Math.random() * 256))];
  return bytes.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}
