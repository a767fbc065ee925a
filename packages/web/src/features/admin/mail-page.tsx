import type { MailSecurity } from '@openums/protocol';
import {
  Alert,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { isApiError } from '../../api/client';
import { getMailSettings, putMailSettings, sendTestMail, type MailSettings } from '../../api/mail';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { draftOf, draftProblems, requestOf, type MailDraft } from './mail-draft';
import { LoadError, Loading, PageHeader } from './page-states';

export const mailQueryKey = ['settings', 'mail'] as const;

const SECURITY = [
  { value: 'starttls', label: 'STARTTLS (upgrade after connecting, port 587)' },
  { value: 'tls', label: 'TLS (from the first byte, port 465)' },
  { value: 'none', label: 'None: unencrypted (port 25, local relays only)' },
];
const DEFAULT_PORT: Record<MailSecurity, number> = { starttls: 587, tls: 465, none: 25 };

/** What failed, and where to look. */
const HINTS: Record<string, string> = {
  MAIL_CONNECTION_FAILED:
    'Check the host name, the port and the connection security (TLS on 465, STARTTLS on 587), and that a firewall lets this server through.',
  MAIL_CERTIFICATE_INVALID: "Paste the CA certificate that signs the mail server's certificate, and enter the host by the name in it.",
  MAIL_AUTH_FAILED: 'Check the user name and type the password again.',
  MAIL_REJECTED: 'The mail server refused the sender or a recipient: check the sender address and whether the server relays for it.',
  MAIL_NOT_CONFIGURED: 'Save a mail server and a sender first.',
};

function MailFailure({ title, error }: { title: string; error: unknown }) {
  const hint = isApiError(error) ? HINTS[error.code] : undefined;
  return (
    <Stack gap={4} data-testid="mail-failure">
      <ErrorAlert title={title} error={error} />
      {hint && (
        <Text size="sm" c="dimmed">
          {hint}
        </Text>
      )}
    </Stack>
  );
}

/** Administration › Mail: the SMTP server administrative mail leaves through, and a test message. */
export function MailPage() {
  const query = useQuery({ queryKey: mailQueryKey, queryFn: ({ signal }) => getMailSettings(signal) });
  return (
    <Stack p="lg" gap="lg" maw={1000}>
      <PageHeader
        title="Mail"
        description="The SMTP server OpenUMS sends administrative mail through (views mailed, notifications), and who receives it."
      />
      {query.isPending ? (
        <Loading what="mail settings" />
      ) : query.isError && !query.data ? (
        <LoadError what="mail settings" right="mail" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <MailSettingsForm settings={query.data} />
          <TestMailCard settings={query.data} />
        </>
      )}
    </Stack>
  );
}

function MailSettingsForm({ settings }: { settings: MailSettings }) {
  const queryClient = useQueryClient();
  const [d, setD] = useState<MailDraft>(() => draftOf(settings));
  // A save (here or elsewhere) resets the form to what is stored.
  useEffect(() => setD(draftOf(settings)), [settings]);
  const [touched, setTouched] = useState(false);
  const set = <K extends keyof MailDraft>(key: K, value: MailDraft[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const text = (key: keyof MailDraft) => (e: { currentTarget: { value: string } }) => set(key, e.currentTarget.value);
  const problems = draftProblems(d, settings);
  const err = (key: keyof MailDraft) => (touched ? problems[key] : undefined);
  const save = useMutation({
    mutationFn: () => putMailSettings(requestOf(d, settings)),
    onSuccess: async (saved) => {
      queryClient.setQueryData(mailQueryKey, saved);
      notifySuccess(saved.host ? 'Mail settings saved; send a test mail next' : 'Mail turned off');
    },
  });

  return (
    <Paper withBorder p="md" radius="sm" component="form" aria-label="Mail settings" noValidate>
      <Stack>
        <Switch
          label="Send mail"
          description="Off: OpenUMS sends no mail, and features that would are refused with a clear message."
          checked={d.enabled}
          onChange={(e) => set('enabled', e.currentTarget.checked)}
        />
        {d.enabled && (
          <>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <TextInput
                label="SMTP server"
                placeholder="mail.example.com"
                value={d.host}
                onChange={text('host')}
                error={err('host')}
                maxLength={253}
                required
              />
              <Select
                label="Connection security"
                data={SECURITY}
                value={d.security}
                onChange={(v) => set('security', (v ?? 'starttls') as MailSecurity)}
                allowDeselect={false}
                comboboxProps={{ withinPortal: true }}
              />
              <NumberInput
                label="Port"
                description={`Empty: ${DEFAULT_PORT[d.security]}`}
                min={1}
                max={65535}
                allowDecimal={false}
                value={d.port}
                onChange={(v) => set('port', v)}
                error={err('port')}
              />
            </SimpleGrid>
            {d.security === 'none' && (
              <Alert color="orange" title="Mail and password travel unencrypted">
                Without TLS, the password and every message cross the network in clear text. Use TLS or STARTTLS unless the server is a
                relay on the same host or network segment.
              </Alert>
            )}
            {d.security !== 'none' && (
              <>
                <Textarea
                  label="CA certificate"
                  description="PEM of the CA that signs the mail server's certificate. Empty: the system's trusted CAs."
                  placeholder={'-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----'}
                  autosize
                  minRows={2}
                  maxRows={8}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
                  value={d.caCertificate}
                  onChange={text('caCertificate')}
                  error={err('caCertificate')}
                />
                <Switch
                  label="Check that the certificate names the host"
                  description="Turn off only if the server's certificate cannot carry its host name; the CA is checked either way."
                  checked={d.verifyHostName}
                  onChange={(e) => set('verifyHostName', e.currentTarget.checked)}
                />
              </>
            )}
            <Checkbox label="Log in (SMTP AUTH)" checked={d.auth} onChange={(e) => set('auth', e.currentTarget.checked)} />
            {d.auth && (
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput label="User name" value={d.user} onChange={text('user')} error={err('user')} maxLength={256} required />
                <Stack gap={4}>
                  <PasswordInput
                    label="Password"
                    description={
                      settings.password ? 'Stored, never shown; type a new one to replace it' : 'Stored encrypted, never shown again'
                    }
                    placeholder={settings.password && !d.removePassword ? '•••••••• (unchanged)' : undefined}
                    value={d.password}
                    onChange={text('password')}
                    error={err('password')}
                    disabled={d.removePassword}
                    autoComplete="new-password"
                    maxLength={1024}
                  />
                  {settings.password && (
                    <Checkbox
                      size="xs"
                      label="Remove the stored password"
                      checked={d.removePassword}
                      onChange={(e) => {
                        const removePassword = e.currentTarget.checked; // read before the updater runs (React clears currentTarget)
                        setD((prev) => ({ ...prev, removePassword, password: '' }));
                      }}
                    />
                  )}
                </Stack>
              </SimpleGrid>
            )}
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label="Sender"
                description="The From address of every message"
                placeholder="ums@example.com"
                value={d.sender}
                onChange={text('sender')}
                error={err('sender')}
                maxLength={254}
                required
              />
              <Textarea
                label="Recipients of administrative mail"
                description="One address per line"
                placeholder="it-admins@example.com"
                autosize
                minRows={2}
                maxRows={8}
                value={d.recipients}
                onChange={text('recipients')}
                error={err('recipients')}
              />
            </SimpleGrid>
            <Checkbox
              label="Try the server before saving (connect, TLS, log in)"
              description="Off: save even if the server cannot be reached now."
              checked={d.verify}
              onChange={(e) => set('verify', e.currentTarget.checked)}
            />
          </>
        )}
        {save.isError && <MailFailure title="Not saved" error={save.error} />}
        <Group>
          <Button
            loading={save.isPending}
            onClick={() => {
              setTouched(true);
              if (Object.keys(problems).length === 0) save.mutate();
            }}
          >
            Save
          </Button>
          <Button variant="subtle" disabled={save.isPending} onClick={() => setD(draftOf(settings))}>
            Reset
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function TestMailCard({ settings }: { settings: MailSettings }) {
  const [to, setTo] = useState('');
  const test = useMutation({ mutationFn: () => sendTestMail(to.trim() ? { to: to.trim() } : {}) });
  const configured = settings.host !== null;
  return (
    <Paper withBorder p="md" radius="sm">
      <Stack gap="sm">
        <Title order={3} size="h4">
          Test
        </Title>
        <Group align="flex-end">
          <TextInput
            label="Send to"
            description="Empty: the recipients of administrative mail"
            placeholder={settings.recipients.join(', ') || 'admin@example.com'}
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            maxLength={254}
            w={360}
          />
          <Button variant="default" loading={test.isPending} disabled={!configured} onClick={() => test.mutate()}>
            Send test mail
          </Button>
        </Group>
        {!configured && (
          <Text size="sm" c="dimmed">
            Save a mail server first.
          </Text>
        )}
        {test.isSuccess && (
          <Alert color="teal" title="Test mail sent" data-testid="mail-test-result">
            {settings.host} accepted the message for {test.data.accepted.join(', ')}. If it does not arrive, look in the spam folder and at
            the mail server's log.
          </Alert>
        )}
        {test.isError && <MailFailure title="Test mail not sent" error={test.error} />}
      </Stack>
    </Paper>
  );
}
