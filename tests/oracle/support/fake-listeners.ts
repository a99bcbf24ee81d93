import { createServer, type Server, type Socket } from "node:net";

/** A local TCP listener standing in for a broken database; 127.0.0.1 only. */
export interface FakeListener {
  port: number;
  close(): Promise<void>;
}

async function listen(onSocket: (socket: Socket) => void): Promise<FakeListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: connections are refused at once. */
export async function refusedPort(): Promise<number> {
  const listener = await listen(() => {});
  await listener.close();
  return listener.port;
}

/** Accepts connections and never answers, like a database host that hangs. */
export const silentListener = () => listen(() => {});

/** Accepts connections and closes them at once, like a proxy with nothing behind it. */
export const closingListener = () => listen((socket) => socket.destroy());

/** Answers the client's CONNECT packet with a TNS REFUSE, as a listener that does not know the
 * service does (ORA-12514). */
export const refusingListener = (oraError = 12514) =>
  listen((socket) => {
    socket.once("data", () => {
      const data = Buffer.from(`(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR=${oraError})(ERROR_STACK=(ERROR=(CODE=${oraError})(EMFI=4))))`, "ascii");
      const packet = Buffer.alloc(12 + data.length);
      packet.writeUInt16BE(packet.length, 0); // packet length
      packet[4] = 4; // packet type REFUSE
      packet[8] = 1; // user reason
      packet.writeUInt16BE(data.length, 10); // refuse data length
      data.copy(packet, 12);
      socket.end(packet);
    });
  });
