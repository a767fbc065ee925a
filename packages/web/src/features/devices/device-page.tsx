import { useNavigate, useParams, useSearchParams } from 'react-router';
import { NotFoundPage } from '../placeholder/placeholder-pages';
import { DETAIL_TABS, DeviceDetail, type DetailTab } from './device-detail';
import classes from './devices.module.css';

/**
 * A device's own page (/devices/:deviceId?tab=): every tab of the side panel on the full width,
 * deep-linkable. "Device list" goes back to the list with the device selected.
 */
export function DevicePage() {
  const { deviceId } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const id = Number(deviceId);
  if (!deviceId || !Number.isSafeInteger(id) || id <= 0) return <NotFoundPage />;
  const raw = params.get('tab') ?? '';
  const tab = (DETAIL_TABS as readonly string[]).includes(raw) ? (raw as DetailTab) : 'details';
  return (
    <div className={classes.devicePage} data-testid="device-page">
      <DeviceDetail
        key={id}
        id={id}
        tab={tab}
        variant="page"
        onTabChange={(next) => setParams(next === 'details' ? {} : { tab: next }, { replace: true })}
        onClose={() => void navigate(`/devices?device=${id}${tab === 'details' ? '' : `&tab=${tab}`}`)}
      />
    </div>
  );
}
