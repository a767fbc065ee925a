/** The sections of the navigation, in order. */
export const SECTIONS = [
  { path: '/', label: 'Dashboard' },
  { path: '/devices', label: 'Devices' },
  { path: '/profiles', label: 'Profiles' },
  { path: '/views', label: 'Views' },
  { path: '/jobs', label: 'Jobs' },
  { path: '/files', label: 'Files' },
  { path: '/admin', label: 'Administration' },
] as const;
