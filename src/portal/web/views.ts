import type { PortalSettings } from './auth.js';
import { renderAccess } from './views/access.js';
import { renderAdmin } from './views/admin.js';
import { renderAudit } from './views/audit.js';
import { renderRequests } from './views/requests.js';
import { renderReviews } from './views/reviews.js';

/** A privileged role as GET /v1/me names it; slice-admin: the holder of any admin slice (adminSlices). */
export type Role = 'auditor' | 'admin' | 'slice-admin';
/** What a page typed by hand says it needs. */
export const NEEDS: Record<Role, string> = {
  auditor: 'the auditor role',
  admin: 'the admin role',
  'slice-admin': 'an admin slice',
};

export interface View {
  /** The address: `#/<name>`. */
  name: string;
  label: string;
  /** Who sees it in the navigation: everyone when absent, else holders of any of these roles. The API checks again. */
  roles?: readonly Role[];
  render: (root: HTMLElement, settings: PortalSettings) => void | Promise<void>;
}

/** Every view of the portal, in navigation order; a new view is one entry here. */
export const VIEWS: readonly View[] = [
  { name: 'access', label: 'My access', render: renderAccess },
  { name: 'requests', label: 'Requests', render: (root) => renderRequests(root) },
  { name: 'reviews', label: 'Reviews', render: (root) => renderReviews(root) },
  { name: 'audit', label: 'Audit', roles: ['auditor'], render: renderAudit },
  { name: 'admin', label: 'Admin', roles: ['admin', 'slice-admin'], render: (root) => renderAdmin(root) },
];

/** Whether someone holding `roles` sees a view. */
export const visibleTo = (view: View, roles: readonly string[]): boolean =>
  !view.roles || view.roles.some((role) => roles.includes(role));
