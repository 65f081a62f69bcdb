// Run once by the mongo image's entrypoint, on the first start with an empty data volume, as root: the
// application's user, with read and write on the two services' databases and nothing else.
const events = process.env.EVENT_DB_NAME || "eventhub_events";
const notifications = process.env.NOTIFICATION_DB_NAME || "eventhub_notifications";
db.getSiblingDB("admin").createUser({
  user: process.env.MONGO_APP_USER,
  pwd: process.env.MONGO_APP_PASSWORD,
  roles: [
    { role: "readWrite", db: events },
    { role: "readWrite", db: notifications },
  ],
});
