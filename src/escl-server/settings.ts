/** The `escl_server` settings (src/config/schema.ts documents each key). */
export interface EsclServerSettings {
  enabled: boolean;
  /** The first port; each shared scanner gets its own, kept in the data folder. */
  port: number;
  /** Scanner ids to share; null: every scanner that is not itself eSCL. */
  share: string[] | null;
  /** CIDRs allowed in; null: loopback and the host's own subnets. */
  allow: string[] | null;
  /** Basic-auth credentials; empty username: no authentication. */
  username: string;
  password: string;
  /** Also speak HTTPS on each port, beside plain HTTP, with a self-signed certificate kept in the data folder. */
  tls: boolean;
  /** Seconds an eSCL job may go without its client asking about it before it is cancelled. */
  job_timeout_s: number;
}
